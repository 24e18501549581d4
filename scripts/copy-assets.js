// Copies the non-TypeScript files the runtime reads (SQL migrations) next to the compiled code.
import { cpSync } from 'node:fs';

cpSync('src/storage/migrations', 'dist/storage/migrations', { recursive: true });
