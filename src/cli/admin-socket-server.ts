import { chmodSync, lstatSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import {
  type AdminContext,
  AdminError,
  isAdminOperation,
  runAdminOperation,
} from './admin-operations.js';
import { adminSocketFile, socketAddress } from './admin-socket-path.js';

// A running embedded server owns its data directory, so `outdial keys …` and `outdial
// workspaces …` ask it instead of opening the directory: HTTP over a Unix socket, `POST /<op>`
// with the arguments as a JSON object, the result (or a flat {error, message}) as JSON.

const MAX_BODY = 64 * 1024;

export interface AdminSocket {
  /** The socket's file (absolute). */
  file: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new AdminError('bad_request', 'The arguments are too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text === '' ? {} : JSON.parse(text);
  } catch {
    throw new AdminError('bad_request', 'The arguments are not JSON');
  }
}

function handler(ctx: AdminContext, log: Logger) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const op = (req.url ?? '/').slice(1);
    if (req.method !== 'POST' || !isAdminOperation(op)) {
      send(res, 404, {
        error: 'Not Found',
        message: `No admin operation ${req.method} ${req.url}`,
      });
      return;
    }
    readJson(req)
      .then((args) => runAdminOperation(ctx, op, args))
      .then(
        (result) => {
          log.info({ op }, 'admin command');
          send(res, 200, result);
        },
        (err: unknown) => {
          if (err instanceof AdminError) {
            const status = err.kind === 'not_found' ? 404 : 400;
            send(res, status, {
              error: status === 404 ? 'Not Found' : 'Bad Request',
              message: err.message,
            });
            return;
          }
          log.error({ err, op }, 'admin command failed');
          send(res, 500, {
            error: 'Internal Server Error',
            message: 'The server could not run the command; its log says why',
          });
        },
      );
  };
}

/** Binds with a umask that leaves the socket 0600 from its creation: no moment where it is wider. */
function listenPrivately(server: Server, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const umask = process.umask(0o177);
    try {
      server.listen(address, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      process.umask(umask);
    }
  });
}

/**
 * Serves the admin operations on `<dataDir>/outdial.sock`, for the owner of the data only. The
 * caller holds the data directory's lock, so a socket file already there is a dead process's.
 * Resolves to undefined (after a warning) when the socket cannot be served: the server runs on,
 * and admin commands say the server must be stopped.
 */
export async function serveAdminSocket(
  ctx: AdminContext,
  dataDir: string,
  log: Logger,
): Promise<AdminSocket | undefined> {
  const file = adminSocketFile(dataDir);
  const address = socketAddress(file, process.cwd());
  const unavailable = (reason: string) => {
    log.warn(
      `admin socket not served: ${reason}; admin commands (keys, workspaces) need this server stopped`,
    );
    return undefined;
  };
  if (!address.ok) return unavailable(address.reason);
  try {
    if (lstatSync(file).isSocket()) rmSync(file);
    else return unavailable(`${file} exists and is not a socket`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const server = createServer(handler(ctx, log));
  try {
    await listenPrivately(server, address.path);
    chmodSync(file, 0o600);
    const mode = lstatSync(file).mode & 0o777;
    if (mode !== 0o600) throw new Error(`its mode is ${mode.toString(8)}, not 600`);
  } catch (err) {
    server.close();
    rmSync(file, { force: true });
    return unavailable(`${file}: ${(err as Error).message}`);
  }
  return {
    file,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          rmSync(file, { force: true });
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
