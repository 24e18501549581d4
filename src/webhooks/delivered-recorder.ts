import { GroupLinger } from '../domain/group-linger.js';
import type { Db } from '../storage/db.js';
import { recordDeliveredGroup } from '../storage/webhook-deliveries-repo.js';

// A delivery worker's successes, written together: those that arrive while one write runs go in
// the next, one statement for the group. A busy worker then pays one commit (one WAL flush) per
// group instead of one per delivery; an idle one writes a lone success at once. Under a steady
// flow, when several came in during a write, the next group waits a moment for more (the
// recording path's linger, OUTDIAL_RECORD_LINGER_MS): the receiver's slot is already free by
// then, so the wait delays only the row's update, never the next POST.

interface Waiting {
  item: { id: string; owner: string; statusCode: number; now: number };
  resolve: () => void;
  reject: (err: unknown) => void;
}

const GROUP_MAX = 500;

const deliveryOf = (w: Waiting) => w.item.id;

export class DeliveredRecorder {
  private waiting: Waiting[] = [];
  private writing = false;
  private readonly linger = new GroupLinger();

  /** `lingerMs`: the longest the next group waits for more (0: never). */
  constructor(
    private readonly db: Db,
    private readonly lingerMs = 0,
  ) {}

  record(item: Waiting['item']): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.linger.add(item.id);
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      for (let first = true; this.waiting.length > 0; first = false) {
        if (!first) await this.linger.wait(this.lingerMs, this.waiting, deliveryOf);
        const group = this.waiting.splice(0, GROUP_MAX);
        try {
          await recordDeliveredGroup(
            this.db,
            group.map((w) => w.item),
          );
          for (const w of group) w.resolve();
        } catch (err) {
          for (const w of group) w.reject(err);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
