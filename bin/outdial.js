#!/usr/bin/env node
// The published entry point: runs the compiled CLI (built by `npm install` through `prepare`).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error(
    'Outdial is not built yet: run `npm install` (or `npm run build`) in its folder first.',
  );
  process.exit(1);
}
await import(main.href);
