import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { SW_ENTRY, serviceWorkerPlugin } from './build/sw-plugin.ts';

// Where the Mandant server runs while Vite serves the app (dev and preview).
// Once the server serves web/dist itself, this proxy is only for `npm run dev`.
const target = process.env.MANDANT_URL ?? 'http://127.0.0.1:8080';

// changeOrigin stays false on purpose: the server only accepts a WebSocket
// whose Origin matches its Host, and the browser's Origin is Vite's address.
const proxy = {
  '^/t/[^/]+/api/': { target, changeOrigin: false },
  '^/t/[^/]+/ws': { target, changeOrigin: false, ws: true },
  '^/api/': { target, changeOrigin: false },
  '^/(healthz|readyz)$': { target, changeOrigin: false },
};

export default defineConfig({
  plugins: [react(), serviceWorkerPlugin()],
  server: { proxy },
  preview: { proxy },
  build: {
    sourcemap: true,
    rollupOptions: {
      input: { index: 'index.html', [SW_ENTRY]: 'src/sw/service-worker.ts' },
      output: {
        entryFileNames: (chunk) =>
          chunk.name === SW_ENTRY ? 'sw.js' : 'assets/[name]-[hash].js',
      },
    },
  },
});
