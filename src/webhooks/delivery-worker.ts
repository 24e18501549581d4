import type { Runtime } from '../runtime.js';
import { holdsSecretOutsideDatabase } from '../security/key-secret.js';
import { openSecretBox, type SecretBox } from '../security/secret-box.js';
import {
  type ClaimedDelivery,
  claimDueDeliveries,
  handBackDelivery,
} from '../storage/webhook-deliveries-repo.js';
import { getSigningEndpoints } from '../storage/webhook-endpoints-repo.js';
import { DeliveredRecorder } from './delivered-recorder.js';
import { type TryResult, tryDelivery } from './delivery.js';
import { EndpointSlots } from './endpoint-slots.js';
import { WEBHOOK_TIMEOUT_MS, type WebhookAgents, webhookAgents } from './post.js';
import { webhookMetrics } from './webhook-metrics.js';

// The delivery workers: every `outdial serve` and `outdial worker` runs one. Each claims due
// deliveries (SKIP LOCKED, so any number of them share the queue without waiting on each other)
// under a lease, a few rounds ahead of its receivers, and sends them at most `perEndpoint` at a
// time to one endpoint: a slow or dead receiver holds a few of its own tries, never the others'
// nor dispatch, which runs on its own loop and never waits for a delivery.

export interface DeliveryWorkerOptions {
  /** This worker's name on the deliveries it holds. */
  owner: string;
  /** Deliveries held at once, all endpoints (claimed and not yet recorded). */
  concurrency?: number;
  /** Tries in flight at once to one endpoint. */
  perEndpoint?: number;
  /**
   * Deliveries of one endpoint held at once, in rounds of `perEndpoint`: the ones beyond the
   * first round wait for a free slot, so the next claim can come later and take more.
   */
  rounds?: number;
  /**
   * How long a claim holds a delivery of the first round; each later round adds one try's
   * length. Past it, another worker may send it again. Default: the engine's lease
   * (OUTDIAL_LEASE_MS), at least a try's length and 5 s.
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

/**
 * One try's result, with the endpoint it went to; `handedBack`: not sent, because an earlier try
 * disabled the endpoint while this one waited for its slot.
 */
export type SentTry = TryResult & { endpointId: string; handedBack?: true };

export interface DeliveryWorker {
  /** Waits for the tries in flight, then stops. */
  stop(): Promise<void>;
}

const DEFAULTS = { concurrency: 512, perEndpoint: 16, rounds: 8 };

/**
 * One pass: claims what is due (up to `limit`, and each endpoint's share of `slots`) and starts
 * each try, which waits for its endpoint's slot; resolves with the tries started, each a promise
 * of its result once written. The worker loop and tests use it.
 */
export async function claimAndSend(
  rt: Runtime,
  box: SecretBox,
  opts: DeliveryWorkerOptions & { slots?: EndpointSlots; limit: number },
): Promise<Array<Promise<SentTry>>> {
  const slots = opts.slots ?? new EndpointSlots(opts.perEndpoint ?? DEFAULTS.perEndpoint);
  const rounds = opts.rounds ?? DEFAULTS.rounds;
  const timeoutMs = opts.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  // Never shorter than a try may take, so a live worker's delivery is not sent twice meanwhile.
  const leaseMs = opts.leaseMs ?? Math.max(rt.config.leaseMs, timeoutMs + 5_000);
  const now = rt.clock.now();
  const claimed: ClaimedDelivery[] = await claimDueDeliveries(rt.db, {
    now,
    leaseUntil: now + leaseMs,
    owner: opts.owner,
    limit: opts.limit,
    heldPerEndpoint: slots.perEndpoint * rounds,
    sendingPerEndpoint: slots.perEndpoint,
    roundMs: timeoutMs,
    busy: slots.held,
  });
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
    slots.hold(d.endpointId);
    // Waits in claim order: the claim's leases count on it.
    const slot = slots.send(d.endpointId);
    const run = slot
      .then(async (free): Promise<TryResult & { handedBack?: true }> => {
        if (slots.isClosed(d.endpointId)) {
          free();
          await handBackDelivery(rt.db, d.id, opts.owner, rt.clock.now());
          return { delivered: false, retry: true, durationMs: 0, handedBack: true };
        }
        // The endpoint's slot is its receiver's: it is free once the receiver has answered,
        // while the outcome is still being written (the delivery stays held until then). Not
        // after a failure, whose outcome may disable the endpoint for the tries waiting.
        const r = await tryDelivery(rt, box, d, endpoint, {
          onAnswered: (delivered) => {
            if (delivered) free();
          },
          owner: opts.owner,
          timeoutMs,
          ...(opts.agents === undefined ? {} : { agents: opts.agents }),
          ...(opts.delivered === undefined ? {} : { delivered: opts.delivered }),
        }).catch((err: unknown) => {
          free();
          throw err;
        });
        // Closed before the slot passes on, so the next try waiting sees it.
        if (r.disabledEndpoint) slots.close(d.endpointId);
        free();
        return r;
      })
      .then(
        (r): SentTry => {
          if (r.handedBack) return { ...r, endpointId: d.endpointId };
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
    return [run.finally(() => slots.drop(d.endpointId))];
  });
}

export function startDeliveryWorker(rt: Runtime, opts: DeliveryWorkerOptions): DeliveryWorker {
  const concurrency = opts.concurrency ?? DEFAULTS.concurrency;
  const pollMs = opts.pollMs ?? rt.config.pollMs;
  const perEndpoint = opts.perEndpoint ?? DEFAULTS.perEndpoint;
  const share = perEndpoint * (opts.rounds ?? DEFAULTS.rounds);
  const slots = new EndpointSlots(perEndpoint);
  const agents = opts.agents ?? webhookAgents(perEndpoint);
  const delivered = opts.delivered ?? new DeliveredRecorder(rt.db, rt.config.recordLingerMs);
  const running = new Set<Promise<SentTry>>();
  const stopping = new AbortController();
  let poke: AbortController = new AbortController();
  /** The endpoints whose finished tries poked since the last claim began. */
  const pokedBy = new Set<string>();
  // Worth a claim at once: the endpoint holds half its share or less, and the worker has room
  // for that half, so the claim takes a large group.
  const wantsClaim = (endpointId: string) =>
    slots.heldOf(endpointId) <= share / 2 && concurrency - slots.total >= share / 2;

  const loop = async () => {
    // Without a key outside the database no endpoint can be created, nor a secret opened: there is
    // nothing this process could send.
    if (!holdsSecretOutsideDatabase(rt.config)) return;
    let box: SecretBox | undefined;
    while (!stopping.signal.aborted) {
      // Before the claim: a try that finishes while it runs wakes the sleep below at once.
      poke = new AbortController();
      pokedBy.clear();
      try {
        box ??= await openSecretBox(rt.db, rt.config);
        // At most one endpoint's share a pass: a claim reads twice its limit of due rows, and
        // one endpoint's backlog would otherwise make every claim read hundreds to use a few.
        const limit = Math.min(concurrency - slots.total, share);
        const started =
          box && limit > 0
            ? await claimAndSend(rt, box, { ...opts, agents, delivered, slots, limit })
            : [];
        for (const p of started) {
          running.add(p);
          void p.then((r) => {
            running.delete(p);
            // Claim again once wantsClaim holds for the endpoint of a finished try. Claiming
            // whenever the worker as a whole was half empty (always so with one busy endpoint,
            // whose share is a quarter of it) made a claim of a few dozen rows after every
            // handful of tries. Other endpoints' due deliveries join these claims, or the poll's.
            if (!wantsClaim(r.endpointId)) return;
            pokedBy.add(r.endpointId);
            // Once only: abort() builds its DOMException (with a stack) even when already
            // aborted, which was 2 % of a busy worker's CPU with one per finished try.
            if (!poke.signal.aborted) poke.abort();
          });
        }
        // Claimed a full batch: there may be more due at once.
        if (started.length > 0 && started.length === limit) continue;
        // Poked while the claim ran, by tries whose endpoints it has filled up again since: no
        // reason left to claim before the next poke (it would take a row or two).
        if (poke.signal.aborted && ![...pokedBy].some(wantsClaim)) {
          poke = new AbortController();
          pokedBy.clear();
        }
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
