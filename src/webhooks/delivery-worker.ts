import type { Runtime } from '../runtime.js';
import { holdsSecretOutsideDatabase } from '../security/key-secret.js';
import { openSecretBox, type SecretBox } from '../security/secret-box.js';
import { type ClaimedDelivery, claimDueDeliveries } from '../storage/webhook-deliveries-repo.js';
import { getSigningEndpoints } from '../storage/webhook-endpoints-repo.js';
import { DeliveredRecorder } from './delivered-recorder.js';
import { type TryResult, tryDelivery } from './delivery.js';
import { WEBHOOK_TIMEOUT_MS, type WebhookAgents, webhookAgents } from './post.js';
import { webhookMetrics } from './webhook-metrics.js';

// The delivery workers: every `outdial serve` and `outdial worker` runs one. Each claims due
// deliveries (SKIP LOCKED, so any number of them share the queue without waiting on each other)
// under a lease and sends them concurrently, at most `perEndpoint` at a time to one endpoint: a
// slow or dead receiver holds a few of its own tries, never the others' nor dispatch, which runs
// on its own loop and never waits for a delivery.

export interface DeliveryWorkerOptions {
  /** This worker's name on the deliveries it holds. */
  owner: string;
  /** Tries in flight at once. */
  concurrency?: number;
  /** Tries in flight at once to one endpoint. */
  perEndpoint?: number;
  /**
   * How long a claim holds a delivery; past it, another worker may send it again. Default: the
   * engine's lease (OUTDIAL_LEASE_MS), at least 15 s.
   */
  leaseMs?: number;
  /** Longest wait between looks at the queue while idle. */
  pollMs?: number;
  /** Per-try timeout (default 10 s). */
  timeoutMs?: number;
  /** Keep-alive connections to reuse (the worker loop's); none: a connection per try. */
  agents?: WebhookAgents;
  /** Writes successes in groups (the worker loop's); none: each on its own. */
  delivered?: DeliveredRecorder;
}

/** One try's result, with the endpoint it went to. */
export type SentTry = TryResult & { endpointId: string };

export interface DeliveryWorker {
  /** Waits for the tries in flight, then stops. */
  stop(): Promise<void>;
}

const DEFAULTS = { concurrency: 64, perEndpoint: 16 };

/**
 * One pass: claims what is due (up to the free capacity) and starts each try; resolves with the
 * tries started, each a promise of its result. The worker loop and tests use it.
 */
export async function claimAndSend(
  rt: Runtime,
  box: SecretBox,
  opts: DeliveryWorkerOptions & { inFlight?: Map<string, number>; limit: number },
): Promise<Array<Promise<SentTry>>> {
  const perEndpoint = opts.perEndpoint ?? DEFAULTS.perEndpoint;
  // Never shorter than a try may take, so a live worker's delivery is not sent twice meanwhile.
  const leaseMs = opts.leaseMs ?? Math.max(rt.config.leaseMs, WEBHOOK_TIMEOUT_MS + 5_000);
  const inFlight = opts.inFlight ?? new Map<string, number>();
  const now = rt.clock.now();
  const claimed: ClaimedDelivery[] = await rt.db.tx((q) =>
    claimDueDeliveries(q, {
      now,
      leaseUntil: now + leaseMs,
      owner: opts.owner,
      limit: opts.limit,
      perEndpoint,
      busy: inFlight,
    }),
  );
  if (claimed.length === 0) return [];
  const endpoints = new Map(
    (await getSigningEndpoints(rt.db, [...new Set(claimed.map((d) => d.endpointId))])).map((e) => [
      e.id,
      e,
    ]),
  );
  const metrics = webhookMetrics(rt);
  return claimed.flatMap((d) => {
    const endpoint = endpoints.get(d.endpointId);
    // Deleted since the claim: its deliveries went with it.
    if (!endpoint) return [];
    inFlight.set(d.endpointId, (inFlight.get(d.endpointId) ?? 0) + 1);
    // The endpoint's slot is its receiver's: it is free once the receiver has answered, while
    // the outcome is still being written (the delivery stays claimed until then).
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const n = (inFlight.get(d.endpointId) ?? 1) - 1;
      if (n <= 0) inFlight.delete(d.endpointId);
      else inFlight.set(d.endpointId, n);
    };
    const run = tryDelivery(rt, box, d, endpoint, {
      onAnswered: release,
      owner: opts.owner,
      ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
      ...(opts.agents === undefined ? {} : { agents: opts.agents }),
      ...(opts.delivered === undefined ? {} : { delivered: opts.delivered }),
    }).then(
      (r): SentTry => {
        const result = r.delivered ? 'delivered' : r.retry ? 'retry' : 'failed';
        metrics.deliveries.inc({ result });
        metrics.latency.observe({ result }, r.durationMs / 1000);
        return { ...r, endpointId: d.endpointId };
      },
      (err: unknown): SentTry => {
        rt.log.warn({ err: String(err), deliveryId: d.id }, 'webhook delivery not recorded');
        const error = String(err);
        return { delivered: false, retry: true, durationMs: 0, error, endpointId: d.endpointId };
      },
    );
    return [run.finally(release)];
  });
}

export function startDeliveryWorker(rt: Runtime, opts: DeliveryWorkerOptions): DeliveryWorker {
  const concurrency = opts.concurrency ?? DEFAULTS.concurrency;
  const pollMs = opts.pollMs ?? rt.config.pollMs;
  const inFlight = new Map<string, number>();
  const perEndpoint = opts.perEndpoint ?? DEFAULTS.perEndpoint;
  const agents = opts.agents ?? webhookAgents(perEndpoint);
  const delivered = opts.delivered ?? new DeliveredRecorder(rt.db);
  const running = new Set<Promise<SentTry>>();
  const stopping = new AbortController();
  let poke: AbortController = new AbortController();

  const loop = async () => {
    // Without a key outside the database no endpoint can be created, nor a secret opened: there is
    // nothing this process could send.
    if (!holdsSecretOutsideDatabase(rt.config)) return;
    let box: SecretBox | undefined;
    while (!stopping.signal.aborted) {
      // Before the claim: a try that finishes while it runs wakes the sleep below at once.
      poke = new AbortController();
      try {
        box ??= await openSecretBox(rt.db, rt.config);
        const free = concurrency - running.size;
        const started =
          box && free > 0
            ? await claimAndSend(rt, box, { ...opts, agents, delivered, inFlight, limit: free })
            : [];
        for (const p of started) {
          running.add(p);
          void p.then((r) => {
            running.delete(p);
            // Claim again once there is room for several at this endpoint: a claim per finished
            // try would cost a transaction per delivery.
            if ((inFlight.get(r.endpointId) ?? 0) <= perEndpoint / 2) poke.abort();
          });
        }
        // Claimed a full batch: there may be more due at once.
        if (started.length > 0 && started.length === free) continue;
      } catch (err) {
        rt.log.warn({ err: String(err) }, 'webhook delivery worker: claim failed');
      }
      const wake = AbortSignal.any([stopping.signal, poke.signal]);
      await rt.clock.sleep(pollMs, wake);
    }
  };
  const done = loop();
  return {
    async stop() {
      stopping.abort();
      await done;
      await Promise.allSettled([...running]);
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
