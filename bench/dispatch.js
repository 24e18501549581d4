// Figures `dispatch_baseline`, `dispatch_1w`, `dispatch_3w` and `dispatch_memory`: calls/s through
// claim → instant simulated call → finish with 1 and 3 `outdial worker` processes on PostgreSQL,
// against graphile-worker running as many no-op jobs on the same server in the same run; and the
// peak RSS of the single worker during its run. Then `dispatch_with_webhooks`: the single-worker
// run again with a webhook endpoint taking every event; and `webhook_delivery`: how fast one worker
// empties a queue of 50,000 events.
import { openDatabase } from '../dist/storage/open-database.js';
import { runGraphileBaseline } from './dispatch-baseline.js';
import { runDispatch } from './dispatch-run.js';
import { benchSessionUrl, createDispatchWorkspace } from './dispatch-setup.js';
import { emitFigure, note } from './figures.js';
import { runWebhookDelivery } from './webhook-delivery.js';
import { addEndpoint, removeEndpoint, startReceiver, untilDelivered } from './webhooks.js';

const POLL_MS = 10;

export async function runDispatchBench({ quick, database }) {
  const calls = quick ? 20_000 : 100_000;
  note(`dispatch: ${calls} calls / jobs per run; completion polled every ${POLL_MS} ms`);
  const baseline = await runGraphileBaseline({ jobs: calls, pollMs: POLL_MS });
  emitFigure({ bench: 'dispatch_baseline', value: baseline.jobsPerSecond, unit: 'jobs/s' });

  // The run database is migrated here (as `outdial migrate` would) before any worker starts.
  const db = await openDatabase(
    { kind: 'postgres', url: benchSessionUrl(database.url) },
    { poolSize: 2 },
  );
  try {
    const workspace = await createDispatchWorkspace(db);
    const common = {
      db,
      url: database.url,
      name: database.name,
      workspace,
      calls,
      pollMs: POLL_MS,
    };
    const one = await runDispatch({ ...common, label: 'dispatch_1w', workers: 1 });
    emitFigure({
      bench: 'dispatch_1w',
      value: one.callsPerSecond,
      unit: 'calls/s',
      baseline: baseline.jobsPerSecond,
    });
    emitFigure({ bench: 'dispatch_memory', value: one.peakRss, unit: 'MB', baseline: one.idleRss });
    const three = await runDispatch({ ...common, label: 'dispatch_3w', workers: 3 });
    emitFigure({
      bench: 'dispatch_3w',
      value: three.callsPerSecond,
      unit: 'calls/s',
      baseline: baseline.jobsPerSecond,
    });

    // The same single-worker run with an endpoint taking every event (about two per call), sent
    // by the worker's own delivery loop to a local receiver that answers at once.
    const receiver = await startReceiver();
    const endpointId = await addEndpoint(db, workspace.workspaceId, receiver.url);
    try {
      const hooked = await runDispatch({
        ...common,
        label: 'dispatch_with_webhooks',
        workers: 1,
        env: { OUTDIAL_WEBHOOK_ALLOW_PRIVATE: 'true' },
        alongside: async (settled) => {
          const started = performance.now();
          await settled;
          return untilDelivered(db, endpointId, started, POLL_MS);
        },
      });
      emitFigure({
        bench: 'dispatch_with_webhooks',
        value: hooked.callsPerSecond,
        unit: 'calls/s',
        baseline: one.callsPerSecond,
      });
      const { delivered, seconds } = hooked.alongside;
      note(
        `dispatch_with_webhooks: ${delivered} events delivered in ${seconds.toFixed(2)} s from the ` +
          `commit (receiver saw ${receiver.received()} requests)`,
      );
    } finally {
      await removeEndpoint(db, endpointId);
      await receiver.close();
    }

    const delivery = await runWebhookDelivery({
      db,
      url: database.url,
      name: database.name,
      workspace,
      events: quick ? 20_000 : 50_000,
      pollMs: POLL_MS,
    });
    emitFigure({
      bench: 'webhook_delivery',
      value: delivery.eventsPerSecond,
      unit: 'events/s',
      baseline: one.callsPerSecond,
    });
    emitFigure({
      bench: 'webhook_delivery_vs_bare_post',
      value: delivery.eventsPerSecond,
      unit: 'events/s',
      baseline: delivery.barePostsPerSecond,
    });
  } finally {
    await db.close();
  }
}
