// Builds the service worker as its own entry (`/sw.js`, not hashed: its URL
// must stay stable for the browser to find updates) and writes the list of
// emitted files into it, so it can precache the app shell. The list's hash
// becomes the cache version: a new build changes sw.js byte-wise, which is
// what makes browsers install the new worker.
import { createHash } from 'node:crypto';
import type { Plugin } from 'vite';

export const SW_ENTRY = 'sw';
const PLACEHOLDER = '"__MANDANT_PRECACHE__"';

export function serviceWorkerPlugin(): Plugin {
  return {
    name: 'mandant-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      const sw = Object.values(bundle).find(
        (f) => f.type === 'chunk' && f.isEntry && f.name === SW_ENTRY,
      );
      if (!sw || sw.type !== 'chunk') {
        this.error('service worker entry missing from the bundle');
        return;
      }
      const files = Object.keys(bundle)
        .filter((f) => f !== sw.fileName && !f.endsWith('.map') && f !== 'index.html')
        .sort();
      const version = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 12);
      const manifest = JSON.stringify({ version, files: ['/', ...files.map((f) => '/' + f)] });
      if (!sw.code.includes(PLACEHOLDER)) {
        this.error('service worker has no precache placeholder');
      }
      sw.code = sw.code.replace(PLACEHOLDER, manifest);
    },
  };
}
