import type { Db } from '../storage/db.js';
import { recordDeliveredGroup } from '../storage/webhook-deliveries-repo.js';

// A delivery worker's successes, written together: those that arrive while one write runs go in
// the next, one statement for the group. A busy worker then pays one commit (one WAL flush) per
// group instead of one per delivery; an idle one writes a lone success at once.

interface Waiting {
  item: { id: string; owner: string; statusCode: number; now: number };
  resolve: () => void;
  reject: (err: unknown) => void;
}

const GROUP_MAX = 500;

export class DeliveredRecorder {
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(private readonly db: Db) {}

  record(item: Waiting['item']): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
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
