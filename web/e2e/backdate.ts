// Ages records for a test. Retention rules match records unchanged for
// whole days, and the server keeps its own clock (the manual one is for
// the server's own tests, not settable from outside), so a record a test
// makes is never old. This sets `updated_at` in the tenant's SQLite file
// (the server's `records` table, one file per tenant under
// `$MANDANT_DATA_DIR/tenants/`) to what days of quiet would have left,
// beside the running server: WAL lets it read the change at its next
// query. Only ever against the throwaway e2e server; needs the `sqlite3`
// command (apt-get install -y sqlite3).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID as SQLite holds it (a 16-byte blob). */
function blob(id: string): string {
  if (!UUID.test(id)) throw new Error(`not a UUID: ${id}`);
  return `X'${id.replace(/-/g, '').toUpperCase()}'`;
}

/** An instant as the server writes it: RFC 3339, nanoseconds, `+00:00` (compared as text). */
function stored(at: Date): string {
  return at.toISOString().replace(/\.(\d{3})Z$/, '.$1000000+00:00');
}

/**
 * Makes `ids`, and the records whose parent they are (a ticket's
 * comments), look unchanged for `days`; answers how many rows it changed.
 */
export function backdate(tenantId: string, ids: string[], days: number): number {
  const db = join(inject('serverDataDir'), 'tenants', `${tenantId.replace(/-/g, '').toLowerCase()}.db`);
  if (!existsSync(db)) throw new Error(`no database for tenant ${tenantId} at ${db}: has the server's storage layout changed?`);
  const list = ids.map(blob).join(', ');
  const at = stored(new Date(Date.now() - days * 86_400_000));
  const sql = `PRAGMA busy_timeout = 10000;
UPDATE records SET updated_at = '${at}' WHERE id IN (${list}) OR parent_id IN (${list});
SELECT changes();`;
  let out: string;
  try {
    out = execFileSync('sqlite3', [db], { input: sql, encoding: 'utf8' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('sqlite3 is missing: apt-get install -y sqlite3');
    throw e;
  }
  // The PRAGMA prints the timeout; the last line is the count.
  return Number(out.trim().split('\n').at(-1));
}
