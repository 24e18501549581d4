// The transport's ceiling for `webhook_delivery`, run as its own process as the worker is: POSTs
// of one event body, as fast as they are answered, over as many keep-alive connections as a worker
// opens to one endpoint, to the same receiver. No database, no signature, no bookkeeping.
// Env: URL, COUNT, CONNECTIONS, BODY. Prints {"count":…,"seconds":…} when done.
import http from 'node:http';

const url = new URL(process.env.URL);
const count = Number(process.env.COUNT);
const connections = Number(process.env.CONNECTIONS);
const body = Buffer.from(process.env.BODY, 'utf8');
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });

const post = () =>
  new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode < 300 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });

let next = 0;
const lane = async () => {
  while (next < count) {
    next++;
    await post();
  }
};
const started = performance.now();
await Promise.all(Array.from({ length: connections }, lane));
const seconds = (performance.now() - started) / 1000;
agent.destroy();
process.stdout.write(`${JSON.stringify({ count, seconds })}\n`);
