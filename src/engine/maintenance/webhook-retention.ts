import { deleteFinishedDeliveries } from '../../storage/webhook-deliveries-repo.js';
import type { MaintenanceTask } from './task.js';

// Delivered and failed webhook deliveries stay in the log OUTDIAL_WEBHOOK_RETENTION_DAYS (30 by
// default), then are removed, a bounded chunk per statement so no transaction grows with the
// backlog. Pending ones are never removed: they are still to be sent.

export const WEBHOOK_RETENTION_EVERY_MS = 10 * 60 * 1000;
const CHUNK = 5_000;

export const webhookRetention: MaintenanceTask = {
  name: 'webhook-retention',
  everyMs: () => WEBHOOK_RETENTION_EVERY_MS,
  runsAtStart: false,
  async run(ctx) {
    const before = ctx.rt.clock.now() - ctx.rt.config.webhookRetentionDays * 24 * 3_600_000;
    let removed = 0;
    for (;;) {
      const n = await deleteFinishedDeliveries(ctx.rt.db, before, CHUNK);
      removed += n;
      if (n < CHUNK) break;
    }
    if (removed > 0)
      ctx.log.debug({ webhookDeliveries: removed }, 'old webhook deliveries removed');
  },
};
