// The tests' side of mail-sink.ts: the messages the SMTP sink received,
// read from the directory the global setup provides as `mailDir`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { SunkMail } from './mail-sink';

export function receivedMail(): SunkMail[] {
  const dir = inject('mailDir');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as SunkMail);
}

/** The first message to `to` received after `since` (an ISO time); waits up to `ms`. */
export async function waitForMail(to: string, since: string, ms = 20_000): Promise<SunkMail> {
  const until = Date.now() + ms;
  for (;;) {
    const found = receivedMail().find((m) => m.to.includes(to.toLowerCase()) && m.receivedAt >= since);
    if (found) return found;
    if (Date.now() > until) throw new Error(`no mail to ${to} within ${ms} ms; received: ${JSON.stringify(receivedMail().map((m) => [m.to, m.subject]))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
