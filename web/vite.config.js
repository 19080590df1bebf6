// `npm run web` serves this demo; `npm run web:build` writes web/dist/. It imports the built package
// (run `npm run build` first), exactly as a user's Vite app would import typegrad.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: { alias: { typegrad: fileURLToPath(new URL('../dist/index.js', import.meta.url)) } },
  // the demo's main.js awaits at top level (tg.ready(), the digits); the package entry itself does not
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 50_000 },
});
