import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

// A real HTTP receiver for webhook tests. Every request's signature is checked with the
// `standardwebhooks` reference package: one of the `v1,` signatures must be the one it computes
// for the message under one of the secrets the test says are valid. (Its `verify` also checks the
// timestamp against the wall clock, which the tests' fake clock is not.)

export interface Received {
  id: string;
  timestamp: number;
  signatures: string[];
  body: string;
  json: { type: string; timestamp: string; data: Record<string, unknown> };
  /** Which of the receiver's secrets verified it (-1: none). */
  verifiedBy: number;
}

export type Answer = (r: Received, req: http.IncomingMessage, res: http.ServerResponse) => void;

export const answerWith =
  (status: number): Answer =>
  (_r, _req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
  };

export interface Receiver {
  url: string;
  received: Received[];
  secrets: string[];
  answer: Answer;
  close(): Promise<void>;
}

export async function startReceiver(answer: Answer = answerWith(200)): Promise<Receiver> {
  const received: Received[] = [];
  const receiver = { received, secrets: [] as string[], answer } as Receiver;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id']);
      const timestamp = Number(req.headers['webhook-timestamp']);
      const signatures = String(req.headers['webhook-signature'] ?? '').split(' ');
      const verifiedBy = receiver.secrets.findIndex((s) =>
        signatures.includes(new Webhook(s).sign(id, new Date(timestamp * 1000), body)),
      );
      const r: Received = {
        id,
        timestamp,
        signatures,
        body,
        json: JSON.parse(body),
        verifiedBy,
      };
      received.push(r);
      receiver.answer(r, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${port}/hooks`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
