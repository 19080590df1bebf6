// Builds tests/browser/bundle (main.js) as a user's Vite app would, with typegrad from dist/.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: { alias: { typegrad: fileURLToPath(new URL('../../../dist/index.js', import.meta.url)) } },
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 50_000 },
  logLevel: 'warn',
});
