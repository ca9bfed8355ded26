import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard: React without a plugin (the bundler's own transform handles JSX with the automatic runtime).
// `npm run build:ui` writes ui/dist, which `slipway ui` / `slipway server` serve at /.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: process.env.SLIPWAY_UI_OUT ?? fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:5000' } },
  logLevel: 'warn',
});
