import { renderTemplate } from '../../domain/template.js';
import type { Outcome, RowVariables } from '../../domain/types.js';
import type { DialAgent } from '../provider.js';
import { seededRandom } from './behaviour.js';

// The simulated conversation: the agent's greeting and the purpose taken from its prompt, with
// the row's variables filled in, then the callee's replies for the planned outcome.

const IMPERATIVE =
  /^(confirm|remind|ask|check|schedule|reschedule|follow|tell|let|offer|invite|verify|book|collect|inform|update|discuss|help|see|notify|survey|share|find)\b/i;

/** One sentence of the prompt the agent can say aloud, skipping "You are …" role lines. */
function purposeLine(prompt: string): string {
  const sentences = prompt
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter((s) => s !== '' && !/^you are\b/i.test(s));
  const first = sentences[0];
  if (first === undefined) return "I'm calling with a quick update from our team.";
  const sentence = /[.!?]$/.test(first) ? first : `${first}.`;
  if (IMPERATIVE.test(sentence)) {
    return `I'm calling to ${sentence[0]!.toLowerCase()}${sentence.slice(1)}`;
  }
  return `I'm calling about this: ${sentence}`;
}

const REPLIES: Record<Outcome, { customer: string; agent: string; bye?: string }> = {
  successful: {
    customer: 'Yes, that works for me. Thank you for calling.',
    agent: "Wonderful, you're all set. Have a great day!",
    bye: 'You too, bye.',
  },
  unsuccessful: {
    customer: "No, I'm not interested, thanks.",
    agent: 'I understand. Thank you for your time, goodbye.',
  },
  callback_requested: {
    customer: "I'm in the middle of something. Could you call me back later?",
    agent: "Of course, we'll call you back later. Goodbye!",
    bye: 'Thanks, bye.',
  },
  opted_out: {
    customer: 'Please stop calling me and take me off your list.',
    agent: "Understood, you won't be called again. Goodbye.",
  },
  voicemail: {
    customer: "[voicemail] You've reached this number. Please leave a message after the tone.",
    agent: 'Please call us back when you get a moment. Thank you!',
  },
};

const SMALL_TALK: ReadonlyArray<[string, string]> = [
  ['Before that, can I ask how long this will take?', 'Just a few minutes, I promise.'],
  ['Which company did you say you were with?', "I'm calling on behalf of our team, as mentioned."],
  ['Can you repeat the details, please?', 'Certainly, let me go over them again.'],
  ['Is there anything I need to bring or prepare?', "Nothing special, we'll send a reminder."],
  ['What happens if I need to change it later?', 'You can call us back at any time to change it.'],
  ['Do you have my correct contact details?', 'Let me read back what we have on file.'],
  ['Sorry, the line was breaking up. Can you say that again?', 'Of course, no problem at all.'],
  ['Will I get a confirmation by email?', 'Yes, a confirmation will follow shortly.'],
];

export function simulatedTranscript(opts: {
  agent: DialAgent;
  variables: RowVariables;
  outcome: Outcome;
  extraTurns: number;
  /** Seeds the choice of small talk so the transcript is deterministic too. */
  seed: string;
}): string {
  const { agent, variables, outcome } = opts;
  const name = (variables['first_name'] ?? '').trim();
  const greeting =
    renderTemplate(agent.greeting, variables).trim() ||
    `Hello${name ? ` ${name}` : ''}, this is ${agent.name}.`;
  const purpose = purposeLine(renderTemplate(agent.prompt, variables));
  const reply = REPLIES[outcome];
  const lines = [`Agent: ${greeting}`];
  if (outcome === 'voicemail') {
    lines.push(`Customer: ${reply.customer}`, `Agent: ${purpose} ${reply.agent}`);
    return lines.join('\n');
  }
  lines.push(`Customer: ${name ? `Hi, yes, this is ${name}.` : 'Hello, yes, speaking.'}`);
  lines.push(`Agent: ${purpose}`);
  const rng = seededRandom(opts.seed);
  for (let i = 0; i < opts.extraTurns; i++) {
    const [q, a] = SMALL_TALK[Math.floor(rng() * SMALL_TALK.length)]!;
    lines.push(`Customer: ${q}`, `Agent: ${a}`);
  }
  lines.push(`Customer: ${reply.customer}`, `Agent: ${reply.agent}`);
  if (reply.bye) lines.push(`Customer: ${reply.bye}`);
  return lines.join('\n');
}
