import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

// The dashboard's built files (`npm run build` → dist/web), read once when the app is built and
// served from memory: the bundle is small, so the file system is never walked per request and
// no request path is ever joined to a directory (nothing to traverse out of).

/** dist/web from both src/http/dashboard (tests) and dist/http/dashboard (the built server). */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

export interface DashboardFile {
  body: Buffer;
  /** The same body gzipped, when that is smaller. */
  gzip?: Buffer;
  type: string;
  etag: string;
  /** Vite puts a content hash in every name under assets/: those never change. */
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

function walk(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const rel = `${prefix}/${name}`;
    if (statSync(full).isDirectory()) out.push(...walk(full, rel));
    else out.push(rel);
  }
  return out;
}

/** URL path (`/`, `/assets/index-abc.js`) → file; empty when the dashboard is not built. */
export function loadDashboardFiles(dir: string): Map<string, DashboardFile> {
  const files = new Map<string, DashboardFile>();
  if (!existsSync(path.join(dir, 'index.html'))) return files;
  for (const rel of walk(dir)) {
    const type = TYPES[path.extname(rel)];
    // Source maps and anything unexpected stay on disk.
    if (type === undefined) continue;
    const body = readFileSync(path.join(dir, rel));
    const gz = gzipSync(body, { level: 9 });
    const file: DashboardFile = {
      body,
      ...(gz.length < body.length * 0.9 ? { gzip: gz } : {}),
      type,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      immutable: rel.startsWith('/assets/'),
    };
    files.set(rel === '/index.html' ? '/' : rel, file);
  }
  return files;
}
