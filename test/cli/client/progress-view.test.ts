import { beforeAll, describe, expect, it } from 'vitest';
import {
  changeKey,
  changeLine,
  type ProgressState,
  progressBar,
  progressLine,
  progressState,
  stateLabel,
  summaryLine,
} from '../../../src/cli/client/progress-view.js';

const T0 = Date.UTC(2026, 4, 4, 9, 0, 0);

const state = (over: Partial<ProgressState> = {}): ProgressState => ({
  id: 'batch_1',
  status: 'processing',
  isComplete: false,
  total: 10,
  waiting: 2,
  active: 2,
  completed: 5,
  failed: 1,
  cancelled: 0,
  completedTime: null,
  at: T0,
  ...over,
});

describe('the progress bar', () => {
  beforeAll(() => {
    process.env['TZ'] = 'UTC';
  });

  it('fills in proportion, within bounds', () => {
    expect(progressBar(0.6, 10)).toBe('[██████░░░░]');
    expect(progressBar(0, 4)).toBe('[░░░░]');
    expect(progressBar(1.5, 4)).toBe('[████]');
  });

  it('shows done/total, completed/failed/active, calls per minute and the time left', () => {
    // 6 of 10 done, 4 left (2 waiting + 2 active) at 12 a minute: 20 s.
    expect(progressLine(state(), 12, 120)).toBe(
      `[${'█'.repeat(18)}${'░'.repeat(12)}] 6/10 · 5 completed · 1 failed · 2 active · ` +
        '12.0 calls/min · ETA 0:20',
    );
  });

  it('says the time left is unknown before there is a rate', () => {
    expect(progressLine(state(), undefined, 100)).toMatch(/2 active · ETA --:--$/);
  });

  it('fits the terminal: the bar shrinks, then goes, then the text is cut', () => {
    for (const columns of [120, 80, 60, 40, 20]) {
      const line = progressLine(state(), 12, columns);
      expect(line.length, `${columns} columns: ${line}`).toBeLessThanOrEqual(columns - 1);
    }
    expect(progressLine(state(), 12, 80)).toMatch(/^\[█+░+\] 6\/10 /);
    expect(progressLine(state(), 12, 70)).toMatch(/^6\/10 · 5 completed/);
    expect(progressLine(state(), 12, 40)).toBe('6/10 · 5 completed · 1 failed · 2 acti…');
  });

  it('names a state other than dialing, and counts cancelled jobs when there are any', () => {
    const cancelling = state({ status: 'cancelled', cancelled: 2, waiting: 0 });
    expect(progressLine(cancelling, undefined, 200)).toMatch(
      /^cancelling \[.*\] 8\/10 · 5 completed · 1 failed · 2 cancelled · 2 active · ETA/,
    );
    expect(progressLine(cancelling, undefined, 200, false)).toMatch(/^\[/);
  });

  it('shows when a scheduled batch starts', () => {
    const scheduled = state({ status: 'queued', scheduledAt: T0 + 3_600_000, waiting: 10 });
    expect(stateLabel(scheduled)).toBe('scheduled for 2026-05-04 10:00:00');
    expect(stateLabel({ ...scheduled, scheduledAt: T0 - 1 })).toBe('queued');
  });

  it('treats a status it does not know (paused) as a batch still running', () => {
    const paused = state({ status: 'paused' });
    expect(stateLabel(paused)).toBe('paused');
    expect(progressLine(paused, 0, 200)).toMatch(/^paused \[.*ETA --:--$/);
    expect(changeLine(paused)).toBe(
      'paused: 6/10 done (5 completed, 1 failed, 0 cancelled), 2 active, 2 waiting',
    );
  });

  it('prints a change line only when something a reader sees changed', () => {
    expect(changeKey(state())).toBe(changeKey(state({ at: T0 + 5_000 })));
    expect(changeKey(state())).not.toBe(changeKey(state({ active: 1, completed: 6 })));
    expect(changeKey(state())).not.toBe(changeKey(state({ status: 'paused' })));
  });

  it('sums up how the batch ended and how long it dialed', () => {
    const done = state({
      status: 'completed',
      isComplete: true,
      waiting: 0,
      active: 0,
      completed: 9,
      failed: 1,
      startTime: T0,
      completedTime: T0 + 42_000,
    });
    expect(summaryLine(done)).toBe(
      'Batch batch_1 completed: 9 completed, 1 failed of 10 calls in 0:42',
    );
    const cancelled = { ...done, status: 'cancelled', completed: 3, cancelled: 6 };
    expect(summaryLine(cancelled)).toBe(
      'Batch batch_1 cancelled: 3 completed, 1 failed, 6 cancelled of 10 calls in 0:42',
    );
  });

  it('reads the state from the status answer', () => {
    const s = progressState({
      id: 'batch_1',
      status: 'processing',
      isComplete: false,
      totalCalls: 10,
      agentId: 'agent_1',
      createdAt: T0 - 1000,
      timestamp: T0,
      progress: {
        waiting: 2,
        active: 2,
        completed: 5,
        failed: 1,
        cancelled: 0,
        total: 10,
        startTime: T0 - 500,
        completedTime: null,
        averageCallDuration: 40,
        recent_calls: [],
      },
    });
    expect(s).toEqual(state({ startTime: T0 - 500 }));
  });
});
