import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard (web/): built into dist/web, which `outdial serve` serves at /. Everything is
// bundled (no CDN); no inline script or style, so the page runs under a CSP without
// 'unsafe-inline'.
export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The polyfill is an inline-free script too, but every browser the page supports has it.
    modulePreload: { polyfill: false },
    // Everything in files: an inlined asset would be a data: URL the CSP would have to allow.
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: true,
  },
});
