import { renderTemplate, variableFinder } from '../../domain/template.js';
import type { Outcome, RowVariables } from '../../domain/types.js';
import type { DialAgent } from '../provider.js';
import { type Rng, seededRandom } from './random.js';

// The simulated conversation: the agent's greeting and the purpose taken from its prompt, with
// the row's variables filled in; then as many of the callee's questions as the talk time leaves
// room for; then the callee's answer and a close that match the planned outcome.

const IMPERATIVE =
  /^(confirm|remind|ask|check|schedule|reschedule|follow|tell|let|offer|invite|verify|book|collect|inform|update|discuss|help|see|notify|survey|share|find)\b/i;

// What singleSpaced and oneLine change besides trimming; text without it is left as it is.
const UNEVEN_SPACING = /[^\S ]|\s\s/;
const UNEVEN_TURN = /[^\S ]|\s\s| [,.!?]/;

/** Every run of whitespace as one space, trimmed. */
export const singleSpaced = (text: string) =>
  (UNEVEN_SPACING.test(text) ? text.replace(/\s+/g, ' ') : text).trim();

/** One sentence of the prompt the agent can say aloud, skipping "You are …" role lines. */
function purposeLine(prompt: string): string {
  const sentences = prompt
    .split(/(?<=[.!?])\s+|\n+/)
    .map(singleSpaced)
    .filter((s) => s !== '' && !/^you are\b/i.test(s));
  const first = sentences[0];
  if (first === undefined) return "I'm calling with a quick update from our team.";
  const sentence = /[.!?]$/.test(first) ? first : `${first}.`;
  if (IMPERATIVE.test(sentence)) {
    return `I'm calling to ${sentence[0]!.toLowerCase()}${sentence.slice(1)}`;
  }
  return `I'm calling about this: ${sentence}`;
}

/** The row's other details as the agent would read them back ("last name Smith, …"). */
function detailsLine(variables: RowVariables, nameKey: string | undefined): string {
  const details = Object.entries(variables)
    .filter(([key, value]) => key !== nameKey && value.trim() !== '')
    .slice(0, 4)
    .map(([key, value]) => `${key.replace(/[_-]+/g, ' ').trim()} ${value.trim()}`);
  if (details.length === 0) return 'I only have your name and this number on file.';
  const list =
    details.length === 1 ? details[0] : `${details.slice(0, -1).join(', ')} and ${details.at(-1)}`;
  return `Of course. I have ${list}.`;
}

interface Context {
  name: string;
  agentName: string;
  purpose: string;
  details: string;
  email: string;
}

/** A callee's question and the agent's answer. Some answers use the row's own values. */
const EXCHANGES: ReadonlyArray<(c: Context) => [string, string]> = [
  () => ['Before we go on, how long will this take?', 'Just a few minutes, I promise.'],
  (c) => ['Sorry, who did you say was calling?', `This is ${c.agentName}, calling for the team.`],
  (c) => ['Can you read back the details you have for me?', c.details],
  (c) => ['Sorry, the line was breaking up. Can you say that again?', `Of course. ${c.purpose}`],
  (c) => [
    'Will I get a confirmation by email?',
    c.email ? `Yes, we'll send it to ${c.email}.` : 'Yes, a confirmation will follow shortly.',
  ],
  () => ['Is there anything I need to bring or prepare?', "Nothing special, we'll remind you."],
  () => ['What happens if I need to change it later?', 'Just call us back and we will sort it.'],
  () => ['Is this call being recorded?', 'It may be, so that we keep our records accurate.'],
  () => ['How did you get my number?', "It's the number we have on file for you."],
  () => ['Hold on a second, let me grab a pen.', 'Take your time.'],
  () => ['Can I ask about something else while I have you?', "Of course, I'll help if I can."],
  () => ['Is there any cost involved?', 'No, there is nothing extra to pay for this.'],
  () => [
    'Could someone else in my family deal with this?',
    'Yes, if they call us with your details.',
  ],
  () => ['When are you open, in case I need to call?', 'Weekdays from nine to five.'],
  () => ['Can I just reply by text message instead?', 'Yes, you can reply to the text we send.'],
  () => ['Sorry, it is a bit noisy here. Go on.', 'No problem at all.'],
  () => ['Let me check my calendar quickly.', "Sure, I'll wait."],
  (c) => [
    'Do you have the right name for me?',
    c.name ? `I have ${c.name}, is that right?` : 'Could you tell me your first name?',
  ],
  () => ['That all sounds fine so far. Anything else?', 'Just one more thing to go over.'],
];

const CALLBACK_TIMES = [
  'Tomorrow morning would be better.',
  'Later this afternoon, after four.',
  'Any time after six this evening.',
  'Friday would work best for me.',
];

/** The callee's answer and the close, ending the way the outcome says the call ended. */
function closing(outcome: Outcome, rng: Rng): string[] {
  switch (outcome) {
    case 'successful':
      return [
        'Customer: Yes, that works for me. Thank you for calling.',
        "Agent: Wonderful, you're all set. Have a great day!",
        'Customer: You too, bye.',
      ];
    case 'unsuccessful':
      return [
        "Customer: No, I'm not interested, thanks.",
        'Agent: I understand. Thank you for your time, goodbye.',
      ];
    case 'callback_requested':
      return [
        "Customer: I'm in the middle of something. Could you call me back later?",
        'Agent: Of course. When would be a good time?',
        `Customer: ${CALLBACK_TIMES[Math.floor(rng() * CALLBACK_TIMES.length)]}`,
        "Agent: Noted, we'll call you back then. Goodbye!",
        'Customer: Thanks, bye.',
      ];
    case 'opted_out':
      return [
        'Customer: Please stop calling me and take me off your list.',
        "Agent: Understood, you won't be called again. Goodbye.",
      ];
    case 'voicemail':
      return [];
  }
}

/** Exchanges just used are not reshuffled to the front, so no question comes right back. */
const NO_REPEAT_WITHIN = 6;

/** `n` exchanges in a seeded order; each is used once before any repeats. */
function exchanges(n: number, c: Context, rng: Rng): string[] {
  const lines: string[] = [];
  const used: number[] = [];
  let order: number[] = [];
  for (let i = 0; i < n; i++) {
    if (order.length === 0) {
      order = EXCHANGES.map((_, k) => k);
      for (let k = order.length - 1; k > 0; k--) {
        const j = Math.floor(rng() * (k + 1));
        [order[k], order[j]] = [order[j]!, order[k]!];
      }
      // `pop` takes from the end: the recent ones go first in the array, so they come up last.
      const recent = new Set(used.slice(-NO_REPEAT_WITHIN));
      order = [...order.filter((k) => recent.has(k)), ...order.filter((k) => !recent.has(k))];
    }
    const k = order.pop()!;
    used.push(k);
    const [question, answer] = EXCHANGES[k]!(c);
    lines.push(`Customer: ${question}`, `Agent: ${answer}`);
  }
  return lines;
}

/**
 * One turn on one line: a row value or a template may hold line breaks of its own, and an empty
 * value leaves a gap before punctuation ("Hello , this is …").
 */
export const oneLine = (turn: string) =>
  // Most turns are fixed text already on one line: one test instead of two replacements (they
  // were an eighth of a dispatching worker's CPU).
  UNEVEN_TURN.test(turn)
    ? turn
        .replace(/\s+/g, ' ')
        .replace(/ ([,.!?])/g, '$1')
        .trim()
    : turn.trim();

export function simulatedTranscript(opts: {
  agent: DialAgent;
  variables: RowVariables;
  outcome: Outcome;
  /** Exchanges between the opening and the close (see CalleePlan.extraTurns). */
  extraTurns: number;
  /** Seeds the choice of exchanges so the transcript is deterministic too. */
  seed: string;
}): string {
  const { agent, outcome } = opts;
  // A cell's line breaks are layout, not speech; flattened before rendering, they cannot split
  // the prompt's sentences (which may be on lines of their own) or a turn.
  const variables: RowVariables = Object.fromEntries(
    Object.entries(opts.variables).map(([key, value]) => [key, singleSpaced(value)]),
  );
  // The same lookup as {first_name} in a template: a `First Name` column is the name too.
  const find = variableFinder(Object.keys(variables));
  const nameKey = find('first_name');
  const emailKey = find('email');
  const name = nameKey === undefined ? '' : variables[nameKey]!.trim();
  const greeting =
    renderTemplate(agent.greeting, variables).trim() ||
    `Hello${name ? ` ${name}` : ''}, this is ${agent.name}.`;
  const purpose = purposeLine(renderTemplate(agent.prompt, variables));
  if (outcome === 'voicemail') {
    return [
      `Agent: ${greeting}`,
      "Customer: [voicemail] You've reached this number. Please leave a message after the tone.",
      `Agent: ${purpose} Please call us back when you get a moment. Thank you!`,
    ]
      .map(oneLine)
      .join('\n');
  }
  // Its own stream: the plan's stream is keyed by the same number and attempt.
  const rng = seededRandom(`${opts.seed}|transcript`);
  const context: Context = {
    name,
    agentName: agent.name.replace(/\s*\([^)]*\)/g, '').trim() || agent.name,
    purpose,
    details: detailsLine(variables, nameKey),
    email: emailKey === undefined ? '' : variables[emailKey]!.trim(),
  };
  return [
    `Agent: ${greeting}`,
    `Customer: ${name ? `Hi, yes, this is ${name}.` : 'Hello, yes, speaking.'}`,
    `Agent: ${purpose}`,
    ...exchanges(opts.extraTurns, context, rng),
    ...closing(outcome, rng),
  ]
    .map(oneLine)
    .join('\n');
}
