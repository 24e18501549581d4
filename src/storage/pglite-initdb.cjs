'use strict';
// Creates an embedded database cluster (PostgreSQL's initdb, inside PGlite) and exits. It runs in
// a process of its own because initdb grows PGlite's WebAssembly memory to several hundred MB,
// which a process never gives back: the server then opens the finished cluster at a fraction of
// that. Started by pglite-initdb.ts: argv = [PGlite module, its nodefs module, directory,
// ...postgresql.conf lines]; the module paths are resolved by the parent so both load one copy.
//
// A write the disk refuses would leave PostgreSQL spinning on its WAL lock (see pglite-guard.ts):
// the first one ends the process with code 75 and one JSON line on stderr saying why.

const [pgliteModule, nodefsModule, dir, ...conf] = process.argv.slice(2);
const { PGlite } = require(pgliteModule);
const { NodeFS } = require(nodefsModule);

const REFUSED = { ENOSPC: 'disk_full', EDQUOT: 'disk_full', EIO: 'io_error', EROFS: 'io_error' };

function refuse(mod) {
  const tryOperation = mod.NODEFS.tryFSOperation;
  mod.NODEFS.tryFSOperation = (op) =>
    tryOperation(() => {
      try {
        return op();
      } catch (err) {
        const reason = REFUSED[err?.code];
        if (reason === undefined) throw err;
        process.stderr.write(`${JSON.stringify({ reason, detail: String(err.message) })}\n`);
        process.exit(75);
      }
    });
}

const fs = new NodeFS(dir);
const init = fs.init.bind(fs);
fs.init = async (pg, opts) => {
  const out = await init(pg, opts);
  const preRun = [...(out.emscriptenOpts.preRun ?? []), refuse];
  return { ...out, emscriptenOpts: { ...out.emscriptenOpts, preRun } };
};

const pg = new PGlite({ fs, postgresqlconf: conf });
pg.waitReady
  .then(() => pg.close())
  .then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`${JSON.stringify({ reason: 'failed', detail: String(err) })}\n`);
      process.exit(1);
    },
  );
