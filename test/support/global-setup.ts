import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/storage/migrate.js';
import { openPglite } from '../../src/storage/pglite-adapter.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}

/**
 * Creating an embedded cluster (initdb in WebAssembly) takes seconds; loading a migrated one from a
 * tarball takes a fraction of that. Every PGlite test database starts from this template.
 */
export default async function setup(project: TestProject) {
  const db = await openPglite();
  await migrate(db);
  const file = path.join(tmpdir(), `outdial-pglite-template-${process.pid}.tar`);
  await writeFile(file, Buffer.from(await (await db.dumpDataDir()).arrayBuffer()));
  await db.close();
  project.provide('pgliteTemplate', file);
  return async () => {
    const { rm } = await import('node:fs/promises');
    await rm(file, { force: true });
  };
}
