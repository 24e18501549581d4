import { beforeAll, describe, expect, it } from 'vitest';
import {
  batchCancelledView,
  batchCreatedView,
  batchStatusView,
} from '../../../src/cli/client/batch-view.js';
import { batchListView, callsView } from '../../../src/cli/client/list-views.js';

const T0 = Date.UTC(2026, 4, 4, 9, 0, 0);

beforeAll(() => {
  process.env['TZ'] = 'UTC';
});

describe('a started batch', () => {
  it('says what was created and how to follow it', () => {
    const created = { batchId: 'batch_1', totalCalls: 1, status: 'queued', message: 'ok' };
    expect(batchCreatedView(created, { replayed: false, following: false })).toBe(
      'Batch batch_1 queued: 1 call\nFollow it: outdial batch status batch_1 --follow\n',
    );
    expect(batchCreatedView(created, { replayed: false, following: true })).toBe(
      'Batch batch_1 queued: 1 call\n',
    );
  });

  it('lists the skipped rows and warnings, the schedule, and a replay', () => {
    const text = batchCreatedView(
      {
        batchId: 'batch_1',
        totalCalls: 8,
        status: 'queued',
        message: 'ok',
        scheduledAt: T0,
        skippedRows: [
          { row: 3, column: 'phone_number', value: 'x', message: 'Not a phone number' },
        ],
        skippedCount: 2,
        warnings: [{ row: 1, message: 'Missing columns: plan' }],
      },
      { replayed: true, following: true },
    );
    expect(text).toBe(
      [
        'Batch batch_1 queued: 8 calls, dialing from 2026-05-04 09:00:00',
        '  (already started with this idempotency key: this is that batch, nothing new)',
        'Skipped 2 rows:',
        '  row 3, phone_number "x": Not a phone number',
        '  … and 1 more',
        '1 warning:',
        '  row 1: Missing columns: plan',
        '',
      ].join('\n'),
    );
  });
});

describe('a cancelled batch', () => {
  it('says what will not be dialed and what still finishes', () => {
    const details = {
      completedCalls: 95,
      failedCalls: 5,
      cancelledCalls: 45,
      activeCalls: 5,
      totalCalls: 150,
    };
    const answer = {
      batchId: 'batch_1',
      status: 'cancelled' as const,
      message: 'Batch cancelled successfully' as const,
      details,
    };
    expect(batchCancelledView(answer)).toBe(
      'Batch batch_1 cancelled: 45 calls will not be dialed; 5 calls in progress will finish\n' +
        '  so far 95 completed, 5 failed, of 150 calls\n',
    );
    expect(batchCancelledView({ ...answer, details: { ...details, activeCalls: 0 } })).toBe(
      'Batch batch_1 cancelled: 45 calls will not be dialed\n' +
        '  so far 95 completed, 5 failed, of 150 calls\n',
    );
  });
});

describe('a batch status page', () => {
  it('shows the batch, its progress and its latest calls, and how to follow it', () => {
    const text = batchStatusView(
      {
        id: 'batch_1',
        name: 'Spring',
        status: 'processing',
        isComplete: false,
        totalCalls: 3,
        agentId: 'agent_1',
        createdAt: T0,
        timestamp: T0 + 60_000,
        progress: {
          waiting: 1,
          active: 0,
          completed: 1,
          failed: 1,
          cancelled: 0,
          total: 3,
          startTime: T0,
          lastCompletedTime: T0 + 30_000,
          completedTime: null,
          averageCallDuration: 42,
          recent_calls: [
            {
              jobId: 'call_2',
              status: 'failed',
              phone_number: '+15005550101',
              failedAt: T0 + 30_000,
              error: 'Number busy',
            },
            {
              jobId: 'call_1',
              status: 'completed',
              phone_number: '+15005550001',
              completedAt: T0 + 20_000,
              duration: 42,
            },
          ],
        },
      },
      100,
    );
    expect(text).toBe(
      [
        'Batch batch_1  "Spring"',
        '  status    processing',
        '  agent     agent_1',
        '  created   2026-05-04 09:00:00',
        '  started   2026-05-04 09:00:00',
        `  progress  [${'█'.repeat(12)}${'░'.repeat(6)}] 2/3 · 1 completed · 1 failed · 0 active · 2.0 calls/min · ETA 0:30`,
        '  waiting   1',
        '  avg call  0:42',
        '',
        'Latest finished calls:',
        'JOB     STATUS     PHONE         ENDED                DURATION / ERROR',
        'call_2  failed     +15005550101  2026-05-04 09:00:30  Number busy',
        'call_1  completed  +15005550001  2026-05-04 09:00:20  0:42',
        '',
        'Follow it: outdial batch status batch_1 --follow',
        '',
      ].join('\n'),
    );
  });
});

describe('pages', () => {
  const pagination = { page: 1, limit: 2, total: 3, totalPages: 2, hasNext: true, hasPrev: false };

  it('lists batches with the page and the way to the next', () => {
    const text = batchListView(
      {
        batches: [
          {
            id: 'batch_2',
            status: 'cancelled',
            isComplete: false,
            totalCalls: 12,
            createdAt: T0,
            agentId: 'agent_1',
            name: 'Late',
          },
          {
            id: 'batch_1',
            status: 'completed',
            isComplete: true,
            totalCalls: 3,
            createdAt: T0 - 86_400_000,
            scheduledAt: T0 - 3_600_000,
            agentId: 'agent_1',
          },
        ],
        pagination,
      },
      120,
    );
    expect(text).toBe(
      [
        'BATCH    STATUS      CALLS  CREATED              SCHEDULED            NAME',
        'batch_2  cancelling     12  2026-05-04 09:00:00                       Late',
        'batch_1  completed       3  2026-05-03 09:00:00  2026-05-04 08:00:00',
        'page 1 of 2 · 3 batches · next: --page 2',
        '',
      ].join('\n'),
    );
    const none = {
      batches: [],
      pagination: { ...pagination, total: 0, totalPages: 0, hasNext: false },
    };
    expect(batchListView(none, 80)).toBe('No batches.\n');
  });

  it("lists a batch's calls with their counts", () => {
    const text = callsView(
      {
        calls: [
          {
            jobId: 'call_1',
            status: 'completed',
            phone_number: '+15005550001',
            startTime: T0,
            endTime: T0 + 60_000,
            duration: 42,
            metadata: {},
            attempts: 1,
          },
          {
            jobId: 'call_2',
            status: 'failed',
            phone_number: '+15005550101',
            startTime: T0,
            error: 'Number busy - unable to connect after 3 attempts',
            metadata: {},
            attempts: 3,
          },
        ],
        pagination,
        summary: { total: 3, waiting: 1, active: 0, completed: 1, failed: 1, cancelled: 0 },
      },
      200,
    );
    expect(text).toBe(
      [
        'JOB     STATUS     PHONE         ATTEMPTS  STARTED              DURATION  ERROR',
        'call_1  completed  +15005550001         1  2026-05-04 09:00:00      0:42',
        'call_2  failed     +15005550101         3  2026-05-04 09:00:00            Number busy - unable to connect after 3 attempts',
        'page 1 of 2 · 3 matching · next: --page 2',
        '3 calls: 1 completed, 1 failed, 0 cancelled, 0 active, 1 waiting',
        '',
      ].join('\n'),
    );
  });
});
