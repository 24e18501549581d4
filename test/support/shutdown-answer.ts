import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../src/storage/db.js';
import type { Answer } from './openapi-conformance.js';

// What a client gets for a request that reaches a server while it shuts down: Fastify answers it
// itself (503) before any hook. Only a real connection shows it (inject refuses once closing
// starts), and only one already busy: idle connections are closed, new ones refused. So a first
// request is held inside its handler (a database query waits on a gate) while the close begins,
// and the second, pipelined on that connection, arrives after it.

/** `db` whose queries wait until `open()`; `entered` resolves when the first one is waiting. */
export function gatedDb(db: Db): { db: Db; entered: Promise<void>; open: () => void } {
  let open!: () => void;
  let enter!: () => void;
  const gate = new Promise<void>((r) => {
    open = r;
  });
  const entered = new Promise<void>((r) => {
    enter = r;
  });
  const gated = new Proxy(db, {
    get(target, prop) {
      if (prop === 'query') {
        return async (...args: unknown[]) => {
          enter();
          await gate;
          return (target.query as (...a: unknown[]) => unknown)(...args);
        };
      }
      const v = Reflect.get(target, prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { db: gated, entered, open };
}

/** Splits raw HTTP/1.1 responses (each with a Content-Length) into answers. */
function parseAnswers(raw: Buffer): Answer[] {
  const answers: Answer[] = [];
  let rest = raw;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) throw new Error(`incomplete response: ${rest.toString('utf8')}`);
    const [statusLine, ...lines] = rest.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const i = line.indexOf(':');
      headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const body = rest.subarray(end + 4, end + 4 + length).toString('utf8');
    answers.push({ statusCode: Number(statusLine!.split(' ')[1]), headers, body });
    rest = rest.subarray(end + 4 + length);
  }
  return answers;
}

/**
 * Closes `app` (built on `gate.db`) while `GET busyPath` waits on the gate, and returns the
 * answers to it and to `GET path`, sent on the same connection once the close has begun.
 */
export async function answersDuringShutdown(
  app: FastifyInstance,
  gate: { entered: Promise<void>; open: () => void },
  busyPath: string,
  path: string,
): Promise<[Answer, Answer]> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  const ended = once(socket, 'close');
  await once(socket, 'connect');
  socket.write(`GET ${busyPath} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
  await gate.entered;
  const closed = app.close();
  // The server stops listening once the close is under way; the busy connection stays.
  while (app.server.listening) await new Promise((r) => setImmediate(r));
  socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
  gate.open();
  await ended;
  await closed;
  const answers = parseAnswers(Buffer.concat(chunks));
  if (answers.length !== 2) throw new Error(`expected 2 answers, got ${answers.length}`);
  return [answers[0]!, answers[1]!];
}
