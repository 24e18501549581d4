// What one delivery worker holds, by endpoint: the deliveries it claimed and has not yet recorded
// (what its next claim counts against the endpoint's share), and of those the tries being sent,
// at most `perEndpoint` at once. The others wait for a free slot in the order they were claimed,
// so a worker can claim ahead of its receivers (fewer, larger claims) without ever sending one
// endpoint more than its cap at once.

export class EndpointSlots {
  private readonly heldBy = new Map<string, number>();
  private readonly sendingBy = new Map<string, number>();
  private readonly waitingBy = new Map<string, Array<() => void>>();
  private readonly closedIds = new Set<string>();
  private heldTotal = 0;

  constructor(readonly perEndpoint: number) {}

  /** Deliveries held, by endpoint (only endpoints holding some). */
  get held(): ReadonlyMap<string, number> {
    return this.heldBy;
  }

  /** Deliveries held, all endpoints. */
  get total(): number {
    return this.heldTotal;
  }

  heldOf(endpointId: string): number {
    return this.heldBy.get(endpointId) ?? 0;
  }

  sendingOf(endpointId: string): number {
    return this.sendingBy.get(endpointId) ?? 0;
  }

  /** A delivery of the endpoint was claimed. */
  hold(endpointId: string): void {
    this.heldBy.set(endpointId, this.heldOf(endpointId) + 1);
    this.heldTotal++;
  }

  /** The delivery's outcome is written (or it was handed back): no longer held. */
  drop(endpointId: string): void {
    const n = this.heldOf(endpointId) - 1;
    if (n <= 0) {
      this.heldBy.delete(endpointId);
      this.closedIds.delete(endpointId);
    } else this.heldBy.set(endpointId, n);
    this.heldTotal--;
  }

  /**
   * The endpoint was disabled by a try's answer: what is still waiting for its slot is not to be
   * sent. Holds until the worker holds none of its deliveries (later claims skip a disabled
   * endpoint).
   */
  close(endpointId: string): void {
    if (this.heldBy.has(endpointId)) this.closedIds.add(endpointId);
  }

  isClosed(endpointId: string): boolean {
    return this.closedIds.has(endpointId);
  }

  /**
   * Waits for one of the endpoint's sending slots; resolves to the function that frees it (safe to
   * call more than once).
   */
  async send(endpointId: string): Promise<() => void> {
    if (this.sendingOf(endpointId) >= this.perEndpoint) {
      await new Promise<void>((resolve) => {
        const queue = this.waitingBy.get(endpointId) ?? [];
        queue.push(resolve);
        this.waitingBy.set(endpointId, queue);
      });
    } else {
      this.sendingBy.set(endpointId, this.sendingOf(endpointId) + 1);
    }
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      this.free(endpointId);
    };
  }

  /** Hands the slot to the next waiting try of the endpoint, or frees it. */
  private free(endpointId: string): void {
    const queue = this.waitingBy.get(endpointId);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.waitingBy.delete(endpointId);
    if (next) {
      next();
      return;
    }
    const n = this.sendingOf(endpointId) - 1;
    if (n <= 0) this.sendingBy.delete(endpointId);
    else this.sendingBy.set(endpointId, n);
  }
}
