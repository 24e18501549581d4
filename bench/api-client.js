// The few Outdial API calls the benches make, as an HTTP client would make them.

/**
 * POST /v1/api/batch-calls as `curl -F file=@contacts.csv -F agentId=… -F defaultCountry=US`.
 * Resolves when the whole response has arrived; throws unless it is 200.
 */
export async function uploadCsv(server, csv, fields = {}) {
  const form = new FormData();
  form.set('agentId', server.agentId);
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set('file', new Blob([csv], { type: 'text/csv' }), 'contacts.csv');
  const started = performance.now();
  const res = await fetch(`${server.baseUrl}/v1/api/batch-calls`, {
    method: 'POST',
    headers: server.headers,
    body: form,
  });
  const body = await res.json();
  const ms = performance.now() - started;
  if (res.status !== 200) {
    throw new Error(`upload answered ${res.status}: ${JSON.stringify(body).slice(0, 500)}`);
  }
  return { body, ms };
}

export async function getJson(server, path) {
  const res = await fetch(`${server.baseUrl}${path}`, { headers: server.headers });
  const body = await res.json();
  if (res.status !== 200) {
    throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
  }
  return body;
}

/** Every job id of a batch, in CSV order, through the paginated list (§4). */
export async function listJobIds(server, batchId) {
  const ids = [];
  for (let page = 1; ; page++) {
    const body = await getJson(
      server,
      `/v1/api/batch-calls/${batchId}/calls?page=${page}&limit=100`,
    );
    for (const c of body.calls) ids.push(c.jobId);
    if (!body.pagination.hasNext) return ids;
  }
}
