// The layering of src/: a module imports only modules of lower layers (and its own files), in the
// order written in docs/architecture.md. Every `import … from`, `export … from`, side-effect
// import and dynamic `import()` of every src/**/*.ts file is checked; a new top-level folder must
// be given a place in that order before it can be imported at all.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SRC = path.join(ROOT, 'src');

/** The layers, lowest first, from the "Import order" block of docs/architecture.md. */
function layersFromDoc(markdown: string): string[][] {
  const at = markdown.indexOf('Import order');
  if (at < 0) throw new Error('docs/architecture.md has no "Import order" paragraph');
  const line = markdown
    .slice(at)
    .split('\n')
    .find((l) => l.includes('←'));
  if (!line) throw new Error('the "Import order" paragraph has no line of layers (a ← b)');
  return line
    .replace(/`/g, '')
    .split('←')
    .map((layer) =>
      layer
        .split(',')
        .map((m) => m.trim())
        .filter((m) => m !== ''),
    );
}

/** What a file imports: every module specifier, in order of appearance. */
function importsOf(source: string): string[] {
  const found: Array<[number, string]> = [];
  const patterns = [
    // import x from '…', import type { x } from '…', export { x } from '…', export * from '…'
    /^[ \t]*(?:import|export)\b[^;'"`]*?\bfrom\s*(['"])([^'"]+)\1/gm,
    // import '…'
    /^[ \t]*import\s*(['"])([^'"]+)\1/gm,
    // await import('…')
    /\bimport\(\s*(['"])([^'"]+)\1\s*\)/g,
  ];
  for (const re of patterns) {
    for (const m of source.matchAll(re)) found.push([m.index, m[2]!]);
  }
  return found.sort((a, b) => a[0] - b[0]).map(([, spec]) => spec);
}

/** The module a src file belongs to: its top-level folder, or its own name for src/*.ts. */
function moduleOf(srcRelative: string): string {
  const [first, ...rest] = srcRelative.split('/');
  return rest.length === 0 ? first!.replace(/\.ts$/, '') : first!;
}

interface Violation {
  file: string;
  imports: string;
  why: string;
}

/** Every import that breaks the layering; `files` maps src-relative paths to their source. */
function violations(files: ReadonlyMap<string, string>, layers: string[][]): Violation[] {
  const rank = new Map<string, number>();
  layers.forEach((layer, i) => {
    for (const m of layer) rank.set(m, i);
  });
  const out: Violation[] = [];
  for (const [file, source] of files) {
    const from = moduleOf(file);
    for (const spec of importsOf(source)) {
      if (!spec.startsWith('.')) continue;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      if (target.startsWith('..')) {
        out.push({ file, imports: spec, why: 'imports from outside src/' });
        continue;
      }
      const to = moduleOf(target.replace(/\.js$/, '.ts'));
      if (to === from) continue;
      const rf = rank.get(from);
      const rt = rank.get(to);
      if (rf === undefined || rt === undefined) {
        const missing = rf === undefined ? from : to;
        out.push({ file, imports: spec, why: `${missing} has no place in the import order` });
      } else if (rt > rf) {
        out.push({ file, imports: spec, why: `${from} (layer ${rf}) imports ${to} (layer ${rt})` });
      } else if (rt === rf) {
        out.push({ file, imports: spec, why: `${from} and ${to} share a layer` });
      }
    }
  }
  return out;
}

function sourceFiles(dir: string, base = dir): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      for (const [k, v] of sourceFiles(full, base)) out.set(k, v);
    } else if (e.name.endsWith('.ts')) {
      out.set(path.relative(base, full).split(path.sep).join('/'), readFileSync(full, 'utf8'));
    }
  }
  return out;
}

describe('import boundaries', () => {
  const layers = layersFromDoc(readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8'));

  it('docs/architecture.md names every module of src/ in its import order, domain first', () => {
    expect(layers[0]).toContain('domain');
    const named = layers.flat();
    expect(new Set(named).size).toBe(named.length);
    const modules = new Set([...sourceFiles(SRC).keys()].map(moduleOf));
    expect([...modules].filter((m) => !named.includes(m))).toEqual([]);
  });

  it('no file of src/ imports a module of its own layer or of a higher one', () => {
    const files = sourceFiles(SRC);
    expect(files.size).toBeGreaterThan(100);
    expect(violations(files, layers)).toEqual([]);
  });

  it('the check finds every form of import that breaks the order', () => {
    const order = [['domain'], ['storage', 'providers'], ['engine'], ['cli']];
    const files = new Map([
      ['domain/a.ts', "import type { X } from '../engine/x.js';\n"],
      ['storage/b.ts', "export { y } from '../providers/y.js';\nimport '../cli/side.js';\n"],
      [
        'engine/c.ts',
        "import {\n  a,\n  b,\n} from '../domain/ok.js';\nconst m = await import('../cli/late.js');\n",
      ],
      ['providers/d.ts', "import { z } from '../webhooks/z.js';\nimport x from 'pino';\n"],
      ['cli/e.ts', "import { e } from '../engine/e.js';\nimport { f } from './f.js';\n"],
    ]);
    expect(violations(files, order).map((v) => `${v.file} → ${v.imports}: ${v.why}`)).toEqual([
      'domain/a.ts → ../engine/x.js: domain (layer 0) imports engine (layer 2)',
      'storage/b.ts → ../providers/y.js: storage and providers share a layer',
      'storage/b.ts → ../cli/side.js: storage (layer 1) imports cli (layer 3)',
      'engine/c.ts → ../cli/late.js: engine (layer 2) imports cli (layer 3)',
      'providers/d.ts → ../webhooks/z.js: webhooks has no place in the import order',
    ]);
  });

  it('reads the order from the documented line', () => {
    const doc = 'Import order (checked):\n\n    `domain, config ← storage ← cli`\n';
    expect(layersFromDoc(doc)).toEqual([['domain', 'config'], ['storage'], ['cli']]);
  });
});
