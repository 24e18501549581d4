// Copies the non-TypeScript files the runtime reads (SQL migrations, the embedded database's
// initdb script) next to the compiled code.
import { cpSync } from 'node:fs';

cpSync('src/storage/migrations', 'dist/storage/migrations', { recursive: true });
cpSync('src/storage/pglite-initdb.cjs', 'dist/storage/pglite-initdb.cjs');
