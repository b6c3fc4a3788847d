/** The browser app's build: `npm run build:web` writes clients/web/dist, which the server serves at /. */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  resolve: {
    // The SDK from its sources, so the app always has the SDK of this checkout (no build of the package first).
    alias: { '@infergraph/client': fileURLToPath(new URL('../sdk/src/index.ts', import.meta.url)) },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Everything in files of its own: the Content-Security-Policy allows no inline script, style or data: font.
    assetsInlineLimit: 0,
  },
  // `npx vite --config clients/web/vite.config.ts`: the page with hot reload, its API calls passed to a server on :4000.
  server: { proxy: { '/graphql': { target: 'http://localhost:4000', ws: true } } },
  logLevel: 'warn',
});
