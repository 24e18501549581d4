// Figure `webhook_delivery`: how fast one `outdial worker` empties a queue of deliveries to one
// endpoint whose receiver answers at once. The events are queued first (as a busy dispatch leaves
// them), the worker started and idle, and the clock runs from the queue's commit until none is
// pending, as the graphile-worker baseline is timed. Then, for the record, the same number of
// bare POSTs of one such body to the same receiver (bench/bare-poster.js): the transport's
// ceiling on this machine, with no database and no signing.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { newId } from '../dist/domain/ids.js';
import { ROOT, supervise } from './child-process.js';
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

/** The worker's connections to one endpoint (perEndpoint, src/webhooks/delivery-worker.ts). */
const CONNECTIONS = 16;

/** POSTs/s of bench/bare-poster.js sending `count` event bodies to `url`. */
async function barePosts(url, count) {
  const proc = spawn(process.execPath, [path.join(ROOT, 'bench/bare-poster.js')], {
    env: {
      ...process.env,
      URL: url,
      COUNT: String(count),
      CONNECTIONS: String(CONNECTIONS),
      BODY: eventBody(0, Date.now()),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { exited, unregister } = supervise(proc);
  let out = '';
  proc.stdout.on('data', (d) => {
    out += d;
  });
  const code = await exited;
  unregister();
  if (code !== 0) throw new Error(`bench/bare-poster.js exited with ${code}`);
  const { seconds } = JSON.parse(out);
  return Math.round(count / seconds);
}

/** Runs the figure; returns { eventsPerSecond, delivered, seconds, barePostsPerSecond }. */
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
    await worker.stop();
    const barePostsPerSecond = await barePosts(receiver.url, events);
    note(
      `webhook_delivery: bare POSTs of one event body to the same receiver: ${barePostsPerSecond}/s`,
    );
    return { eventsPerSecond, delivered, seconds, barePostsPerSecond };
  } finally {
    await worker.stop();
    await removeEndpoint(db, endpointId);
    await receiver.close();
  }
}
