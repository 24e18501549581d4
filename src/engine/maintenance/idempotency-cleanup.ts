import {
  deleteExpiredIdempotencyKeys,
  IDEMPOTENCY_TTL_MS,
} from '../../storage/idempotency-repo.js';
import type { MaintenanceTask } from './task.js';

// Expired idempotency keys are already ignored by the API; deleting them only gives their space
// back, so every ten minutes is plenty.

export const IDEMPOTENCY_CLEANUP_EVERY_MS = 10 * 60 * 1000;

export const idempotencyCleanup: MaintenanceTask = {
  name: 'idempotency-cleanup',
  everyMs: () => IDEMPOTENCY_CLEANUP_EVERY_MS,
  runsAtStart: false,
  async run(ctx) {
    const removed = await deleteExpiredIdempotencyKeys(
      ctx.rt.db,
      ctx.rt.clock.now() - IDEMPOTENCY_TTL_MS,
    );
    if (removed > 0)
      ctx.log.debug({ idempotencyKeys: removed }, 'expired idempotency keys removed');
  },
};
