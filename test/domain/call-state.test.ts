import { describe, expect, it } from 'vitest';
import {
  ATTEMPT_RELEASED,
  ATTEMPT_TRANSITIONS,
  assertTransition,
  BATCH_TRANSITIONS,
  CALL_TRANSITIONS,
  canAttemptTransition,
  canBatchTransition,
  canTransition,
  IllegalTransitionError,
} from '../../src/domain/call-state.js';
import {
  ATTEMPT_STATES,
  BATCH_STATUSES,
  CALL_STATES,
  type CallState,
} from '../../src/domain/types.js';

const ALLOWED: ReadonlyArray<[CallState, CallState]> = [
  ['waiting', 'active'],
  ['waiting', 'cancelled'],
  ['active', 'waiting'],
  ['active', 'completed'],
  ['active', 'failed'],
  ['completed', 'waiting'],
  ['failed', 'waiting'],
];

describe('call state transitions', () => {
  const allowed = new Set(ALLOWED.map(([a, b]) => `${a}→${b}`));
  for (const from of CALL_STATES) {
    for (const to of CALL_STATES) {
      const legal = allowed.has(`${from}→${to}`);
      it(`${from} → ${to} is ${legal ? 'allowed' : 'forbidden'}`, () => {
        expect(canTransition(from, to)).toBe(legal);
        if (legal) expect(() => assertTransition(from, to)).not.toThrow();
        else expect(() => assertTransition(from, to)).toThrow(IllegalTransitionError);
      });
    }
  }

  it('has exactly the documented edges; out of an ended job, only an operator’s retry', () => {
    const edges = Object.entries(CALL_TRANSITIONS).flatMap(([from, tos]) =>
      tos.map((to) => `${from}→${to}`),
    );
    expect(edges.sort()).toEqual([...allowed].sort());
    expect(CALL_TRANSITIONS.cancelled).toEqual([]);
    for (const s of ['completed', 'failed'] as const)
      expect(CALL_TRANSITIONS[s]).toEqual(['waiting']);
  });

  it('names the illegal pair in the error', () => {
    expect(() => assertTransition('active', 'cancelled')).toThrow(
      'Illegal call state transition active → cancelled',
    );
  });
});

describe('batch status transitions', () => {
  it('allows only forward moves, pause and resume, and nothing out of a final status', () => {
    const allowed = new Set([
      'queued→processing',
      'queued→paused',
      'processing→paused',
      'paused→queued',
      'paused→processing',
      'paused→completed',
      'paused→cancelled',
      'completed→processing',
      'queued→completed',
      'queued→cancelled',
      'queued→failed',
      'processing→completed',
      'processing→cancelled',
      'processing→failed',
    ]);
    for (const from of BATCH_STATUSES) {
      for (const to of BATCH_STATUSES) {
        expect(canBatchTransition(from, to), `${from}→${to}`).toBe(allowed.has(`${from}→${to}`));
      }
    }
    expect(Object.values(BATCH_TRANSITIONS).flat()).toHaveLength(allowed.size);
  });
});

describe('attempt state transitions', () => {
  const allowed = new Set([
    'claimed→placing',
    'claimed→ended',
    'claimed→released',
    'placing→in_call',
    'placing→ended',
    'placing→released',
    'in_call→ended',
  ]);

  it('walks every pair: only the documented edges, and nothing out of ended', () => {
    for (const from of ATTEMPT_STATES) {
      for (const to of [...ATTEMPT_STATES, ATTEMPT_RELEASED] as const) {
        expect(canAttemptTransition(from, to), `${from}→${to}`).toBe(allowed.has(`${from}→${to}`));
      }
    }
    const edges = Object.entries(ATTEMPT_TRANSITIONS).flatMap(([from, tos]) =>
      tos.map((to) => `${from}→${to}`),
    );
    expect(edges.sort()).toEqual([...allowed].sort());
  });

  it('never goes back to claimed: an attempt that may have reached a carrier is never sent again', () => {
    for (const from of ATTEMPT_STATES) expect(canAttemptTransition(from, 'claimed')).toBe(false);
    expect(canAttemptTransition('in_call', ATTEMPT_RELEASED)).toBe(false);
  });
});
