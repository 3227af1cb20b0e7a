// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { Sla, SlaClock } from '../../api/support';
import { clockView, formatDuration, urgentClock } from './sla';

const NOW = Date.parse('2026-05-04T10:00:00Z');
const iso = (offsetSecs: number) => new Date(NOW + offsetSecs * 1000).toISOString();

function running(dueIn: number, warnIn: number, extra: Partial<SlaClock> = {}): SlaClock {
  return {
    target_mins: 60, state: 'running', started_at: iso(-600), consumed_secs: 0, since: iso(-600),
    due_at: iso(dueIn), warn_at: iso(warnIn), ...extra,
  };
}

describe('SLA clocks', () => {
  it('counts down to due_at while running, amber from warn_at, red from due_at', () => {
    expect(clockView('resolution', running(3000, 1200), NOW)).toMatchObject({ tone: 'ok', remaining: 3000 });
    expect(clockView('resolution', running(600, -60), NOW)).toMatchObject({ tone: 'warning', remaining: 600 });
    expect(clockView('resolution', running(-90, -900), NOW)).toMatchObject({ tone: 'breached', remaining: -90 });
  });

  it('trusts the server’s alarm marks even when this clock is behind', () => {
    expect(clockView('resolution', running(500, 400, { warned_at: iso(-1) }), NOW).tone).toBe('warning');
    expect(clockView('resolution', running(30, -400, { breached_at: iso(-1) }), NOW).tone).toBe('breached');
  });

  it('stands still while paused: the target minus the seconds used', () => {
    const paused: SlaClock = { target_mins: 30, state: 'paused', started_at: iso(-9000), consumed_secs: 1500, since: null };
    expect(clockView('first_response', paused, NOW)).toMatchObject({ tone: 'paused', remaining: 300 });
    expect(clockView('first_response', paused, NOW + 3_600_000).remaining).toBe(300);
    expect(clockView('first_response', { ...paused, consumed_secs: 1900 }, NOW).tone).toBe('breached');
  });

  it('shows a met clock as met (or missed), without a countdown', () => {
    const met: SlaClock = { target_mins: 30, state: 'met', started_at: iso(-900), consumed_secs: 800, met_at: iso(-100) };
    expect(clockView('first_response', met, NOW)).toMatchObject({ tone: 'met', remaining: null });
    expect(clockView('first_response', { ...met, breached_at: iso(-200) }, NOW).tone).toBe('breached');
  });

  it('picks the open clock with the least time left', () => {
    const sla: Sla = {
      policy_id: 'p', warn_percent: 80,
      first_response: { target_mins: 30, state: 'met', started_at: iso(-900), consumed_secs: 60, met_at: iso(-800) },
      next_response: running(900, 500),
      resolution: running(7200, 5000),
    };
    expect(urgentClock(sla, NOW)?.name).toBe('next_response');
    expect(urgentClock(null, NOW)).toBeNull();
  });

  it('formats durations with two units', () => {
    expect(formatDuration(12)).toBe('12s');
    expect(formatDuration(249)).toBe('4m 09s');
    expect(formatDuration(3900)).toBe('1h 05m');
    expect(formatDuration(-3900)).toBe('1h 05m');
    expect(formatDuration(2 * 86400 + 3 * 3600 + 5)).toBe('2d 3h');
    const de = { d: '{n} T', h: '{n} h', m: '{n} min', s: '{n} s' };
    expect(formatDuration(249, de)).toBe('4 min 09 s');
    expect(formatDuration(3900, de)).toBe('1 h 05 min');
    expect(formatDuration(2 * 86400 + 3 * 3600, de)).toBe('2 T 3 h');
  });
});
