import { createServer } from 'node:net';

/** A port or address the process cannot listen on, said in one line (no stack trace). */
export class ListenError extends Error {}

export interface PortSetting {
  host: string;
  port: number;
  /** The environment variable that sets the port, named in the message. */
  variable: 'PORT' | 'OUTDIAL_METRICS_PORT';
  /** The command the user ran, for the example that fixes it. */
  command: string;
}

/** The one line for a failed listen, or undefined when the error is not about the address. */
export function listenFailure(err: unknown, s: PortSetting): ListenError | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const where = `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`;
  const other = `${s.variable}=${s.port === 65535 ? 3000 : s.port + 1} ${s.command}`;
  switch (code) {
    case 'EADDRINUSE':
      return new ListenError(
        `port ${s.port} is already in use (on ${s.host}); start on another port with ${other}`,
      );
    case 'EACCES':
      return new ListenError(
        `no permission to listen on ${where} (ports below 1024 need privileges); ` +
          `start on another port with ${other}`,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new ListenError(
        `cannot listen on ${where}: HOST=${s.host} is not an address of this machine ` +
          '(HOST=127.0.0.1 serves this machine only, HOST=0.0.0.0 every interface)',
      );
    default:
      return undefined;
  }
}

/**
 * Fails with the one-line message when the port cannot be bound now. A start checks this before
 * it opens the database, so a taken port costs nothing; the real listen, later, maps its error
 * the same way (another program may take the port in between).
 */
export async function ensurePortFree(s: PortSetting): Promise<void> {
  if (s.port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err) => reject(listenFailure(err, s) ?? err));
    probe.listen({ host: s.host, port: s.port, exclusive: true }, () =>
      probe.close(() => resolve()),
    );
  });
}
