import { defineConfig } from 'vite';

// `npm run build:dashboard` (run by scripts/setup.sh) builds this folder into dist/dashboard, which the API
// serves at `/`. Paths are relative to this folder, the Vite root.
export default defineConfig({
  base: '/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: '../../dist/dashboard',
    emptyOutDir: true,
    target: 'es2022',
    // Everything the page loads comes from the product itself: no CDN, no external fonts.
    assetsInlineLimit: 0,
  },
});
