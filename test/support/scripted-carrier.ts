import type { CarrierEnd } from '../../src/domain/attempt-event.js';
import type { Clock } from '../../src/domain/clock.js';
import type { LookupAnswer } from '../../src/domain/recovery.js';
import type {
  AttemptEventSink,
  AttemptRef,
  PlaceResult,
  ProviderCapabilities,
  TelephonyProvider,
} from '../../src/providers/provider.js';

// A carrier of the kind the next issue plugs in (Twilio): it accepts a call at once and keeps it
// in its own books, reports what happens by callbacks (here: `report`, which goes through the
// same recording path an HTTP callback route uses), and answers lookups from its books. The test
// decides when the call ends and whether the callbacks ever arrive. Its capabilities are the
// test's to choose, to exercise every recovery path.

interface CarrierCall {
  ref: AttemptRef;
  providerCallId: string;
  end?: CarrierEnd;
}

export class ScriptedCarrier implements TelephonyProvider {
  readonly name: string;
  readonly capabilities: ProviderCapabilities;
  readonly account?: string;
  /** Every request the carrier received, in order. */
  readonly placed: AttemptRef[] = [];
  readonly lookups: string[] = [];
  readonly hangUps: string[] = [];
  /** What `lookup` answers when the books cannot tell (a carrier outage, a lookup it cannot do). */
  lookupFails = false;
  readonly #books = new Map<string, CarrierCall>();
  readonly #clock: Clock;
  #events: AttemptEventSink | undefined;
  #next = 1;

  constructor(opts: {
    name: string;
    clock: Clock;
    capabilities?: Partial<ProviderCapabilities>;
    account?: string;
  }) {
    this.name = opts.name;
    this.#clock = opts.clock;
    if (opts.account !== undefined) this.account = opts.account;
    this.capabilities = {
      lookupByAttempt: true,
      lookupByCallId: true,
      provesAbsence: true,
      machineDetection: false,
      hangUp: true,
      localEvents: false,
      ...opts.capabilities,
    };
  }

  /** Binds the recording path its callbacks reach (what a provider factory does). */
  attach(events: AttemptEventSink): this {
    this.#events = events;
    return this;
  }

  /** The carrier's books hold this call: what a request that reached it leaves behind. */
  receive(ref: AttemptRef): string {
    this.placed.push(ref);
    const providerCallId = `CA${String(this.#next++).padStart(6, '0')}`;
    this.#books.set(ref.attemptId, { ref, providerCallId });
    return providerCallId;
  }

  async place(ref: AttemptRef): Promise<PlaceResult> {
    return { accepted: true, providerCallId: this.receive(ref) };
  }

  /** The call ends in the carrier's books; with `callback`, the carrier also reports it. */
  async end(attemptId: string, end: Omit<CarrierEnd, 'providerCallId'>, callback = true) {
    const call = this.#books.get(attemptId);
    if (!call) throw new Error(`the carrier has no call for ${attemptId}`);
    call.end = { ...end, providerCallId: call.providerCallId };
    if (callback)
      await this.report({ attemptId, kind: 'ended', ending: { kind: 'carrier', end: call.end } });
  }

  /** A status callback reaching the recording path. */
  async report(event: Parameters<AttemptEventSink['record']>[0]): Promise<unknown> {
    if (!this.#events) throw new Error('carrier not attached to a recording path');
    return this.#events.record(event);
  }

  callIdOf(attemptId: string): string | undefined {
    return this.#books.get(attemptId)?.providerCallId;
  }

  async lookup(ref: AttemptRef): Promise<LookupAnswer> {
    this.lookups.push(ref.attemptId);
    if (this.lookupFails) throw new Error('carrier API unavailable');
    const call = this.#books.get(ref.attemptId);
    if (!call) return { status: 'not_found' };
    if (call.end) return { status: 'ended', end: call.end };
    return { status: 'in_progress', providerCallId: call.providerCallId };
  }

  async hangUp(ref: AttemptRef): Promise<void> {
    this.hangUps.push(ref.attemptId);
    const now = this.#clock.now();
    await this.end(
      ref.attemptId,
      {
        reason: 'answered',
        endedAt: now,
        answeredAt: ref.startedAt,
        durationSec: (now - ref.startedAt) / 1000,
      },
      false,
    );
  }
}
