// A port or address the server cannot listen on is one line that says what to change.
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ensurePortFree, ListenError, listenFailure } from '../../src/cli/listen-failure.js';

const api = { host: '127.0.0.1', variable: 'PORT', command: 'npm start' } as const;
const errno = (code: string) => Object.assign(new Error(code), { code });

describe('listen failures', () => {
  let taken: Server | undefined;
  afterEach(() => taken?.close());

  it('names the taken port and how to pick another', async () => {
    taken = createServer();
    await new Promise<void>((r) => taken!.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    const err = await ensurePortFree({ ...api, port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListenError);
    expect((err as Error).message).toBe(
      `port ${port} is already in use (on 127.0.0.1); start on another port with PORT=${port + 1} npm start`,
    );
    await new Promise<void>((r) => taken!.close(() => r()));
    taken = undefined;
    await expect(ensurePortFree({ ...api, port })).resolves.toBeUndefined();
  });

  it("names a worker's metrics port by its own variable", () => {
    const worker = {
      host: '127.0.0.1',
      port: 9464,
      variable: 'OUTDIAL_METRICS_PORT',
      command: 'npx outdial worker',
    } as const;
    expect(listenFailure(errno('EADDRINUSE'), worker)?.message).toBe(
      'port 9464 is already in use (on 127.0.0.1); start on another port with ' +
        'OUTDIAL_METRICS_PORT=9465 npx outdial worker',
    );
  });

  it('explains a privileged port and an address that is not this machine', () => {
    expect(listenFailure(errno('EACCES'), { ...api, port: 80 })?.message).toBe(
      'no permission to listen on 127.0.0.1:80 (ports below 1024 need privileges); start on ' +
        'another port with PORT=81 npm start',
    );
    expect(
      listenFailure(errno('EADDRNOTAVAIL'), { ...api, host: '10.9.9.9', port: 3000 })?.message,
    ).toBe(
      'cannot listen on 10.9.9.9:3000: HOST=10.9.9.9 is not an address of this machine ' +
        '(HOST=127.0.0.1 serves this machine only, HOST=0.0.0.0 every interface)',
    );
    expect(listenFailure(errno('EMFILE'), { ...api, port: 3000 })).toBeUndefined();
  });

  it('does not probe port 0 (a free one is picked at listen)', async () => {
    await expect(ensurePortFree({ ...api, port: 0 })).resolves.toBeUndefined();
  });
});
