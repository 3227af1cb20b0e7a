// SLA clocks as an agent sees them, as pure functions of the ticket's
// `sla` field and the time now (the server keeps the clocks; we only read
// them): how long is left, and whether that is fine, close to the warning
// threshold (amber) or past the due time (red).
import { CLOCKS, type ClockName, type Sla, type SlaClock } from '../../api/support';

export type Tone = 'ok' | 'warning' | 'breached' | 'paused' | 'met';

export interface ClockView {
  name: ClockName;
  tone: Tone;
  /** Seconds until due (negative: overdue); null once met. */
  remaining: number | null;
  state: SlaClock['state'];
}

const at = (iso: string | null | undefined) => (iso ? Date.parse(iso) : NaN);

export function clockView(name: ClockName, c: SlaClock, now: number): ClockView {
  if (c.state === 'met') {
    return { name, tone: c.breached_at ? 'breached' : 'met', remaining: null, state: c.state };
  }
  // Paused: the time left stands still at the target minus what was used.
  const remaining =
    c.state === 'running' && !Number.isNaN(at(c.due_at))
      ? Math.floor((at(c.due_at) - now) / 1000)
      : c.target_mins * 60 - c.consumed_secs;
  // The server's alarm marks count too: its clock, not ours, fired them.
  const breached = remaining <= 0 || !!c.breached_at;
  const warned = !!c.warned_at || (c.state === 'running' && now >= at(c.warn_at));
  const tone: Tone = breached ? 'breached' : warned ? 'warning' : c.state === 'paused' ? 'paused' : 'ok';
  return { name, tone, remaining, state: c.state };
}

/** Every clock the ticket has, in their natural order. */
export function clocks(sla: Sla | null | undefined, now: number): ClockView[] {
  if (!sla) return [];
  return CLOCKS.flatMap((n) => {
    const c = sla[n];
    return c ? [clockView(n, c, now)] : [];
  });
}

/** The clock that matters most now: the open one with the least time left. */
export function urgentClock(sla: Sla | null | undefined, now: number): ClockView | null {
  const open = clocks(sla, now).filter((c) => c.remaining !== null);
  if (open.length === 0) return null;
  return open.reduce((a, b) => ((b.remaining ?? 0) < (a.remaining ?? 0) ? b : a));
}

/** How each unit is written: `{n}` is the number ("{n}d"; German "{n} T"). */
export interface DurationUnits {
  d: string;
  h: string;
  m: string;
  s: string;
}

export const EN_UNITS: DurationUnits = { d: '{n}d', h: '{n}h', m: '{n}m', s: '{n}s' };

/** "2d 3h", "1h 05m", "4m 09s", "12s": two units, the larger first. */
export function formatDuration(totalSecs: number, units: DurationUnits = EN_UNITS): string {
  const s = Math.abs(Math.trunc(totalSecs));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  const u = (k: keyof DurationUnits, n: number | string) => units[k].replace('{n}', String(n));
  if (d > 0) return `${u('d', d)} ${u('h', h)}`;
  if (h > 0) return `${u('h', h)} ${u('m', two(m))}`;
  if (m > 0) return `${u('m', m)} ${u('s', two(sec))}`;
  return u('s', sec);
}
