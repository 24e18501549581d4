import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ATTEMPT_RELEASED,
  ATTEMPT_TRANSITIONS,
  BATCH_TRANSITIONS,
  CALL_TRANSITIONS,
} from '../../src/domain/call-state.js';
import { ATTEMPT_STATES, BATCH_STATUSES, CALL_STATES } from '../../src/domain/types.js';
import { TRANSITIONS } from '../../src/storage/transitions/table.js';

// One owner of every state change: src/storage/transitions/. Each transition it performs (its
// own list, from which every guard and target of its SQL is built) must be an edge of the one
// table in src/domain/call-state.ts; every edge of the call and attempt tables must be performed
// by it; its SQL must take every state from that list; and no other file of src/ may write a
// state at all.

const SRC = path.resolve(import.meta.dirname, '../../src');
const MODULE = path.join(SRC, 'storage/transitions');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? files(path.join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [path.join(dir, e.name)]
        : [],
  );
}

const TABLES = {
  call: CALL_TRANSITIONS as Record<string, readonly string[]>,
  attempt: ATTEMPT_TRANSITIONS as Record<string, readonly string[]>,
  batch: BATCH_TRANSITIONS as Record<string, readonly string[]>,
};
const STATES = { call: CALL_STATES, attempt: ATTEMPT_STATES, batch: BATCH_STATUSES };

/** Every (entity, from → to) the module performs, derived from its list. */
function performed(): Array<{
  name: string;
  entity: keyof typeof TABLES;
  from: string;
  to: string;
}> {
  return Object.entries(TRANSITIONS).flatMap(([name, t]) =>
    t.from.length === 0
      ? [{ name, entity: t.entity, from: '[*]', to: t.to as string }]
      : t.from.map((from) => ({
          name,
          entity: t.entity,
          from: from as string,
          to: t.to as string,
        })),
  );
}

/** SQL that writes `state` / `status`: an UPDATE's SET list naming it, or a DELETE of attempts. */
const STATE_WRITE =
  /\bSET\b(?:(?!\bWHERE\b|\bFROM\b|\bRETURNING\b)[^;`])*?\b(?:state|status)\s*=|\bDELETE\s+FROM\s+call_attempts\b/gi;

describe('the one owner of state transitions', () => {
  it('performs only transitions the domain tables allow', () => {
    const illegal = performed().filter((p) =>
      p.from === '[*]'
        ? !(STATES[p.entity] as readonly string[]).includes(p.to)
        : !TABLES[p.entity][p.from]?.includes(p.to),
    );
    expect(illegal).toEqual([]);
  });

  it('performs every edge of the call and attempt tables', () => {
    const done = new Set(performed().map((p) => `${p.entity} ${p.from}→${p.to}`));
    const missing = (['call', 'attempt'] as const).flatMap((entity) =>
      Object.entries(TABLES[entity]).flatMap(([from, tos]) =>
        tos.map((to) => `${entity} ${from}→${to}`).filter((e) => !done.has(e)),
      ),
    );
    expect(missing).toEqual([]);
    // Batches: every edge but the two into `failed`, which no code takes yet (a batch whose
    // agent is gone); they are in the table for the state machine the contract describes.
    const batchMissing = Object.entries(BATCH_TRANSITIONS)
      .flatMap(([from, tos]) => tos.map((to) => `batch ${from}→${to}`))
      .filter((e) => !done.has(e));
    expect(batchMissing.sort()).toEqual(['batch processing→failed', 'batch queued→failed']);
    expect(ATTEMPT_TRANSITIONS.claimed).toContain(ATTEMPT_RELEASED);
  });

  it('takes every state its SQL writes or guards on from its list, and uses every entry', () => {
    const used = new Set<string>();
    const literalWrites: string[] = [];
    for (const file of files(MODULE)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\b(?:target|guard)\('([a-zA-Z]+)'/g)) used.add(m[1]!);
      // A state written as a quoted literal in a SET list would bypass the list.
      for (const m of text.matchAll(/\b(?:state|status)\s*=\s*'[a-z_]+'/g)) {
        const before = text.slice(Math.max(0, m.index - 400), m.index);
        if (/\bSET\b(?:(?!\bWHERE\b|\bFROM\b)[\s\S])*$/.test(before))
          literalWrites.push(`${path.basename(file)}: ${m[0]}`);
      }
    }
    expect(literalWrites).toEqual([]);
    const unknown = [...used].filter((n) => !(n in TRANSITIONS));
    expect(unknown).toEqual([]);
    // claimAttempt creates its rows: its target is used, it has no guard.
    expect(Object.keys(TRANSITIONS).filter((n) => !used.has(n))).toEqual([]);
  });

  it('no file outside src/storage/transitions/ writes a call, attempt or batch state', () => {
    const writers = files(SRC)
      .filter((f) => !f.startsWith(MODULE + path.sep))
      .flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(STATE_WRITE)].map(
          (m) => `${path.relative(SRC, f)}: ${m[0].replace(/\s+/g, ' ').slice(0, 80)}`,
        ),
      );
    expect(writers).toEqual([]);
  });

  it('the scan recognises a state write, and not a guard or a lock', () => {
    const hits = (sql: string) => [...sql.matchAll(STATE_WRITE)].length;
    expect(hits("UPDATE calls SET state = 'waiting' WHERE id = $1")).toBe(1);
    expect(hits('UPDATE calls c SET run_at = 1, state = t.s FROM t WHERE c.id = t.id')).toBe(1);
    expect(hits("UPDATE batches SET status = 'cancelled' WHERE id = $1")).toBe(1);
    expect(hits('DELETE FROM call_attempts WHERE id = $1')).toBe(1);
    expect(hits("UPDATE calls c SET run_at = t.run_at FROM t WHERE c.state = 'waiting'")).toBe(0);
    expect(hits("SELECT 1 FROM calls WHERE state = 'active' FOR UPDATE")).toBe(0);
  });
});
