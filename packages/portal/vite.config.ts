// Vite builds the portal into dist/ (served by Central at /) and, in dev mode (`npm run dev`), serves it with
// hot reload on :5173, proxying the API to a Central on :8080 so the session cookie stays same-origin.

import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const central = process.env.TESSERA_CENTRAL_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    strictPort: true,
    proxy: { '/api': { target: central, changeOrigin: false } },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 700,
    // No inline scripts (the CSP forbids them): modulepreload polyfill and assets go to files.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
