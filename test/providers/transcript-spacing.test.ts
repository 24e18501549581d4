import { describe, expect, it } from 'vitest';
import { variableAlias } from '../../src/domain/template.js';
import { oneLine, singleSpaced } from '../../src/providers/simulator/transcript.js';

// The simulator's tidying of transcript turns skips its replacements when they would change
// nothing; these hold it to what the replacements alone give, on text of every shape.

const fullOneLine = (t: string) =>
  t
    .replace(/\s+/g, ' ')
    .replace(/ ([,.!?])/g, '$1')
    .trim();
const fullSingleSpaced = (t: string) => t.replace(/\s+/g, ' ').trim();

/** Deterministic text from letters, punctuation and every kind of whitespace. */
function* samples(count: number): Generator<string> {
  const parts = [
    'a',
    'Zoë',
    ',',
    '.',
    '!',
    '?',
    ' ',
    '  ',
    '\t',
    '\n',
    '\r\n',
    '\u00a0',
    '\u2009',
    'x y',
  ];
  let seed = 7;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed;
  };
  for (let i = 0; i < count; i++) {
    let s = '';
    const n = next() % 12;
    for (let k = 0; k < n; k++) s += parts[next() % parts.length];
    yield s;
  }
}

describe('transcript spacing', () => {
  it('oneLine gives what its replacements give', () => {
    for (const s of samples(20_000)) expect(oneLine(s)).toBe(fullOneLine(s));
    expect(oneLine('Hello , this is  Ava .\n')).toBe('Hello, this is Ava.');
    expect(oneLine('Agent: Just a few minutes, I promise.')).toBe(
      'Agent: Just a few minutes, I promise.',
    );
  });

  it('singleSpaced gives what its replacement gives', () => {
    for (const s of samples(20_000)) expect(singleSpaced(s)).toBe(fullSingleSpaced(s));
    expect(singleSpaced(' Maria\u00a0 Lee\t')).toBe('Maria Lee');
  });

  it('variableAlias answers the same when asked again, for more names than it keeps', () => {
    const names = Array.from({ length: 3_000 }, (_, i) => `Prénom ${i}`);
    const first = names.map(variableAlias);
    expect(first[0]).toBe('prenom0');
    expect(names.map(variableAlias)).toEqual(first);
    expect(variableAlias('FIRST-NAME')).toBe('firstname');
  });
});
