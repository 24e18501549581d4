import { findBatchColumns } from '../storage/batch-read-repo.js';
import type { Queryable } from '../storage/db.js';

// A batch's CSV header never changes after creation, and every call read needs it to order the
// metadata; remembering it saves a lookup per request on the hottest read route.
const MAX_BATCHES = 1_000;

export class BatchColumnsCache {
  private entries = new Map<string, string[]>();

  /** The batch's columns, or undefined when the batch is not this workspace's. */
  async get(q: Queryable, workspaceId: string, batchId: string): Promise<string[] | undefined> {
    const key = `${workspaceId}/${batchId}`;
    const hit = this.entries.get(key);
    if (hit) return hit;
    const columns = await findBatchColumns(q, workspaceId, batchId);
    if (columns === undefined) return undefined;
    if (this.entries.size >= MAX_BATCHES) this.entries.clear();
    this.entries.set(key, columns);
    return columns;
  }
}
