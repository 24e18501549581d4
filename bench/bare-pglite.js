// The baseline of `embedded_memory`: PGlite alone, with the server's settings, on a data
// directory, doing nothing after one query. Prints "ready" once open; runs until killed.
import { PGlite } from '@electric-sql/pglite';
import { POSTGRESQL_CONF } from '../dist/storage/pglite-adapter.js';

const pg = new PGlite({ dataDir: process.argv[2], postgresqlconf: [...POSTGRESQL_CONF] });
await pg.waitReady;
await pg.query('SELECT 1');
process.stdout.write('ready\n');
setInterval(() => {}, 60_000);
