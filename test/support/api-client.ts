import { readFileSync } from 'node:fs';

/** A tiny client for the HTTP API, speaking exactly what a user's curl would send. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly headers: Record<string, string>,
  ) {}

  async get(path: string): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.baseUrl}${path}`, { headers: this.headers });
    return { status: res.status, body: await res.json() };
  }

  async uploadCsv(
    csvPath: string,
    fields: Record<string, string>,
  ): Promise<{ status: number; body: any }> {
    const form = new FormData();
    form.set('file', new Blob([readFileSync(csvPath)], { type: 'text/csv' }), 'contacts.csv');
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    const res = await fetch(`${this.baseUrl}/v1/api/batch-calls`, {
      method: 'POST',
      headers: this.headers,
      body: form,
    });
    return { status: res.status, body: await res.json() };
  }

  /** Polls the batch until isComplete, failing after `timeoutMs`. */
  async waitForBatch(batchId: string, timeoutMs = 60_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { status, body } = await this.get(`/v1/api/batch-calls/${batchId}`);
      if (status !== 200) throw new Error(`batch status ${status}: ${JSON.stringify(body)}`);
      if (body.isComplete) return body;
      if (Date.now() > deadline)
        throw new Error(`batch not complete in time: ${JSON.stringify(body)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Every call of a batch via §4, in CSV order. */
  async allCalls(batchId: string): Promise<any[]> {
    const calls: any[] = [];
    for (let page = 1; ; page++) {
      const { body } = await this.get(
        `/v1/api/batch-calls/${batchId}/calls?page=${page}&limit=100`,
      );
      calls.push(...body.calls);
      if (!body.pagination.hasNext) return calls;
    }
  }
}
