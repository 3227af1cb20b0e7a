// Builds the service worker as its own entry (`/sw.js`, not hashed: its URL
// must stay stable for the browser to find updates) and writes the list of
// emitted files into it, so it can precache the app shell. The list's hash
// becomes the cache version: a new build changes sw.js byte-wise, which is
// what makes browsers install the new worker.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Plugin } from 'vite';

export const SW_ENTRY = 'sw';
// Whatever quotes the minifier chose around the placeholder string.
const PLACEHOLDER = /(["'`])__MANDANT_PRECACHE__\1/;

/** Files copied from public/ (icons, manifest, the branding boot script). */
function publicFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  try {
    walk(dir);
  } catch {
    // No public dir: nothing to add.
  }
  return out;
}

export function serviceWorkerPlugin(): Plugin {
  let publicDir = '';
  return {
    name: 'mandant-service-worker',
    apply: 'build',
    configResolved(config) {
      publicDir = config.publicDir;
    },
    generateBundle(_options, bundle) {
      const sw = Object.values(bundle).find(
        (f) => f.type === 'chunk' && f.isEntry && f.name === SW_ENTRY,
      );
      if (!sw || sw.type !== 'chunk') {
        this.error('service worker entry missing from the bundle');
        return;
      }
      const files = [
        ...Object.keys(bundle).filter((f) => f !== sw.fileName && !f.endsWith('.map') && f !== 'index.html'),
        ...publicFiles(publicDir),
      ].sort();
      // Names and contents: an edited public file must also change sw.js.
      const hash = createHash('sha256');
      for (const f of files) {
        const out = bundle[f];
        hash.update(f);
        if (out?.type === 'chunk') hash.update(out.code);
        else if (out?.type === 'asset') hash.update(out.source);
        else hash.update(readFileSync(join(publicDir, f)));
      }
      const version = hash.digest('hex').slice(0, 12);
      const manifest = JSON.stringify({ version, files: ['/', ...files.map((f) => '/' + f)] });
      if (!PLACEHOLDER.test(sw.code)) {
        this.error('service worker has no precache placeholder');
      }
      sw.code = sw.code.replace(PLACEHOLDER, () => manifest);
    },
  };
}
