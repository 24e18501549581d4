// Figure `webhook_delivery`: how fast one `outdial worker` empties a queue of deliveries to one
// endpoint whose receiver answers at once. The events are queued first (as a busy dispatch leaves
// them), the worker started and idle, and the clock runs from the queue's commit until none is
// pending, as the graphile-worker baseline is timed.
import { newId } from '../dist/domain/ids.js';
import { noteActivity, sampleActivity } from './db-activity.js';
import { workerEnvironment } from './dispatch-run.js';
import { note } from './figures.js';
import { cpuMeter, formatCpu } from './proc-cpu.js';
import { addEndpoint, removeEndpoint, startReceiver, untilDelivered } from './webhooks.js';
import { startNodeWorker } from './worker-process.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A `call.completed` body of the size the API answers for an answered call with a short
 * transcript (about 1 KB): what a receiver is usually sent.
 */
function eventBody(k, now) {
  const callId = newId('call', now);
  return JSON.stringify({
    type: 'call.completed',
    timestamp: new Date(now).toISOString(),
    data: {
      _id: callId,
      jobId: callId,
      batchId: 'batch_bench',
      phoneNumber: `+1415${2_000_000 + k}`,
      status: 'completed',
      attempts: 1,
      outcome: 'completed',
      startTime: new Date(now - 61_000).toISOString(),
      endTime: new Date(now).toISOString(),
      duration: 61,
      variables: { first_name: 'Maria', appointment_date: '2026-03-01 10:30' },
      transcript:
        'Agent: Hi Maria, this is the clinic calling about your appointment on March 1st at ' +
        '10:30. User: Yes, that works for me. Agent: Great, we will see you then. Goodbye.',
      result: { outcome: 'confirmed', summary: 'Appointment confirmed' },
    },
  });
}

/** Queues `count` pending deliveries to `endpointId`, due now, in one transaction. */
async function queueDeliveries(db, workspaceId, endpointId, count, now) {
  await db.tx(async (q) => {
    for (let start = 0; start < count; start += 5_000) {
      const n = Math.min(5_000, count - start);
      const ids = [];
      const bodies = [];
      for (let k = start; k < start + n; k++) {
        ids.push(newId('msg', now));
        bodies.push(eventBody(k, now));
      }
      await q.query(
        `INSERT INTO webhook_deliveries (id, endpoint_id, workspace_id, event_type, body,
           delivery_status, next_attempt_at, created_at)
         SELECT t.id, $2, $3, 'call.completed', t.body, 'pending', $4, $4
           FROM unnest($1::text[], $5::text[]) AS t(id, body)`,
        [ids, endpointId, workspaceId, now, bodies],
      );
    }
  });
}

/** Runs the figure; returns { eventsPerSecond, delivered, seconds }. */
export async function runWebhookDelivery({ db, url, name, workspace, events, pollMs }) {
  const receiver = await startReceiver();
  const endpointId = await addEndpoint(db, workspace.workspaceId, receiver.url);
  const worker = await startNodeWorker({
    label: 'outdial worker (webhooks)',
    args: ['bin/outdial.js', 'worker'],
    env: { ...workerEnvironment(url), OUTDIAL_WEBHOOK_ALLOW_PRIVATE: 'true' },
    ready: /Outdial worker running/,
  });
  try {
    await sleep(1000);
    await queueDeliveries(db, workspace.workspaceId, endpointId, events, Date.now());
    const started = performance.now();
    const cpu = cpuMeter([worker.pid]);
    const activity = await sampleActivity(url, name);
    const { delivered, seconds } = await untilDelivered(db, endpointId, started, pollMs);
    const used = cpu();
    const a = await activity();
    if (worker.exited())
      throw new Error(`${worker.label} exited during the run:\n${worker.output()}`);
    const eventsPerSecond = Math.round(delivered / seconds);
    note(
      `webhook_delivery: ${delivered} of ${events} events delivered in ${seconds.toFixed(2)} s = ` +
        `${eventsPerSecond} events/s (receiver saw ${receiver.received()} requests)`,
    );
    note(
      `webhook_delivery: CPU: worker ${formatCpu(used)}, PostgreSQL backends ` +
        `${formatCpu(a.backendCpu)} in ${seconds.toFixed(1)} s`,
    );
    noteActivity('webhook_delivery', a);
    return { eventsPerSecond, delivered, seconds };
  } finally {
    await worker.stop();
    await removeEndpoint(db, endpointId);
    await receiver.close();
  }
}
