import { request } from 'node:http';
import type { AdminOperation } from './admin-operations.js';
import { adminSocketFile, socketAddress } from './admin-socket-path.js';

export class AdminSocketError extends Error {}

export type AdminReply =
  | { answered: true; ok: boolean; body: unknown }
  /** No server listens there (no socket, or a dead process's); `reason` says more if known. */
  | { answered: false; reason?: string };

const TIMEOUT_MS = 30_000;

/** Asks the server that holds `dataDir` to run an admin operation, over its Unix socket. */
export function askAdminSocket(
  dataDir: string,
  op: AdminOperation,
  args: Record<string, string | undefined>,
): Promise<AdminReply> {
  const file = adminSocketFile(dataDir);
  const address = socketAddress(file, process.cwd());
  if (!address.ok) return Promise.resolve({ answered: false, reason: address.reason });
  const body = JSON.stringify(args);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: address.path,
        // One connection per command: a kept-alive one would hold the CLI process open.
        agent: false,
        method: 'POST',
        path: `/${op}`,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ answered: true, ok: res.statusCode === 200, body: JSON.parse(text) });
          } catch {
            reject(new AdminSocketError(`The server answered on ${file} with no JSON: ${text}`));
          }
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(new AdminSocketError(`The server did not answer on ${file} in time`)),
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
        resolve({ answered: false });
      } else if (err.code === 'EACCES') {
        reject(
          new AdminSocketError(
            `Permission denied on ${file}: while the server runs, only the user who owns its ` +
              'data directory can run admin commands',
          ),
        );
      } else {
        reject(err);
      }
    });
    req.end(body);
  });
}
