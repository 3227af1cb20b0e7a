// Starts what the end-to-end tests run against:
// 0. an SMTP sink (mail-sink.ts) that Mandant sends its mail to, keeping
//    each message as a JSON file the tests read (mailbox.ts);
// 1. a real Mandant server (`mandant serve --demo`) on a free port with a
//    throwaway data directory, plus a second tenant for the branding test;
// 2. the built app: served by Mandant itself when it serves web/dist, else
//    by `vite preview` with the proxy from vite.config.ts in front of it.
// The binary: $MANDANT_BIN, else /tmp/mandant-bin/mandant, else the
// workspace's target/{release,debug}/mandant. Nothing here builds it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createLogger, preview, type PreviewServer } from 'vite';
import { CHROMIUM } from './env';
import { startMailSink } from './mail-sink';

const WEB = resolve(import.meta.dirname, '..');
const PASSWORD = 'e2e-demo-password-1';
const PLATFORM_TOKEN = 'e2e-platform-token-0123456789abcdef';

function findBinary(): string {
  const candidates = [
    process.env.MANDANT_BIN,
    '/tmp/mandant-bin/mandant',
    resolve(WEB, '../target/release/mandant'),
    resolve(WEB, '../target/debug/mandant'),
  ].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`No mandant binary; looked at ${candidates.join(', ')}. Build it or set MANDANT_BIN.`);
  return found;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => res(port));
    });
  });
}

async function waitFor(url: string, ms: number, proc: ChildProcess, log: () => string) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`mandant exited with ${proc.exitCode}:\n${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up in ${ms} ms:\n${log()}`);
}

export default async function setup(project: TestProject) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  if (!existsSync(join(WEB, 'dist/index.html'))) throw new Error('web/dist is missing: run `npm run build` first');
  const bin = findBinary();
  const dataDir = mkdtempSync(join(tmpdir(), 'mandant-e2e-'));
  // Up before the server, whose mailer may send as soon as it starts.
  const mailDir = join(dataDir, 'mail');
  mkdirSync(mailDir);
  const sink = await startMailSink(mailDir);
  const port = await freePort();
  const serverUrl = `http://127.0.0.1:${port}`;
  let output = '';
  const server = spawn(bin, ['serve', '--demo'], {
    cwd: dataDir,
    env: {
      ...process.env,
      MANDANT_DATA_DIR: join(dataDir, 'data'),
      MANDANT_LISTEN: `127.0.0.1:${port}`,
      MANDANT_DEMO_PASSWORD: PASSWORD,
      MANDANT_PLATFORM_TOKEN: PLATFORM_TOKEN,
      MANDANT_WEB_DIR: join(WEB, 'dist'),
      MANDANT_LOG: process.env.MANDANT_LOG ?? 'warn',
      MANDANT_HTTP_WORKERS: '2',
      // Every test browser signs in from 127.0.0.1, faster than the
      // default 30 sign-ins a minute per address allow.
      MANDANT_LOGIN_PER_ADDRESS_PER_MIN: '600',
      // The webhooks test's receiver listens on loopback, which the server
      // refuses as a webhook target unless the operator allows it.
      MANDANT_WEBHOOK_ALLOW_NETWORKS: '127.0.0.1',
      // Likewise an identity provider's issuer on loopback (plain http):
      // the single sign-on tests' providers listen there.
      MANDANT_SSO_ALLOW_NETWORKS: '127.0.0.1',
      // Mail goes to the sink, in plain SMTP (no ?tls= on the URL).
      MANDANT_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      // Links in mail: the browser's address for the app, which is the
      // server's own (a server too old to serve the app sends no mail).
      MANDANT_PUBLIC_URL: serverUrl,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  server.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  await waitFor(`${serverUrl}/healthz`, 60_000, server, () => output);

  const secondTenant = { slug: 'nordwind', name: 'Nordwind Handels AG', email: 'admin@nordwind.example' };
  const created = await fetch(`${serverUrl}/api/v1/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${PLATFORM_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      slug: secondTenant.slug,
      name: secondTenant.name,
      plan: 'standard',
      admin: { email: secondTenant.email, password: PASSWORD, name: 'Nora Nordwind' },
    }),
  });
  if (created.status !== 201) throw new Error(`creating the second tenant: ${created.status} ${await created.text()}`);

  // Does the server serve the app itself yet? Then test exactly that.
  let vite: PreviewServer | null = null;
  let appUrl = serverUrl;
  const root = await fetch(`${serverUrl}/t/demo/login`).catch(() => null);
  const servesApp = root?.ok && (await root.text()).includes('/boot-branding.js');
  if (!servesApp) {
    process.env.MANDANT_URL = serverUrl;
    // A browser context closing resets its proxied socket: expected, not news.
    const logger = createLogger('warn');
    const error = logger.error.bind(logger);
    logger.error = (msg, opts) => {
      if (!/ws proxy (socket )?error/.test(msg)) error(msg, opts);
    };
    vite = await preview({
      root: WEB,
      configFile: join(WEB, 'vite.config.ts'),
      customLogger: logger,
      preview: { host: '127.0.0.1', port: await freePort(), strictPort: true },
    });
    appUrl = vite.resolvedUrls?.local[0]?.replace(/\/$/, '') ?? '';
  }
  console.log(`e2e: server ${serverUrl} (${bin}), app ${appUrl}${vite ? ' via vite preview' : ' served by mandant'}`);

  project.provide('appUrl', appUrl);
  project.provide('serverUrl', serverUrl);
  project.provide('password', PASSWORD);
  project.provide('secondTenant', secondTenant);
  // For the rare test that must age records (e2e/backdate.ts): the server's own files.
  project.provide('serverDataDir', join(dataDir, 'data'));
  project.provide('mailDir', mailDir);
  project.provide('publicUrl', serverUrl);
  // For a test that needs a workspace of its own (POST /api/v1/tenants).
  project.provide('platformToken', PLATFORM_TOKEN);

  return async () => {
    await vite?.close();
    server.kill('SIGTERM');
    await new Promise((r) => {
      const t = setTimeout(() => {
        server.kill('SIGKILL');
        r(null);
      }, 10_000);
      server.once('exit', () => {
        clearTimeout(t);
        r(null);
      });
    });
    await sink.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
