import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { Sla } from '../../api/support';
import { I18nProvider } from '../../i18n';
import { SlaBadge } from './SlaBadge';

const NOW = Date.parse('2026-05-04T10:00:00Z');
const at = (s: number) => new Date(NOW + s * 1000).toISOString();

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
  vi.setSystemTime(NOW);
  localStorage.setItem('mandant:lang', 'en');
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const sla = (dueIn: number, warnIn: number): Sla => ({
  policy_id: 'p', warn_percent: 50,
  first_response: { target_mins: 10, state: 'running', started_at: at(-60), consumed_secs: 0, since: at(-60), due_at: at(dueIn), warn_at: at(warnIn) },
});

it('says how long is left, and turns amber, then red, as the clock runs', () => {
  render(<I18nProvider><SlaBadge sla={sla(90, 30)} /></I18nProvider>);
  const badge = screen.getByTestId('sla');
  expect(badge.dataset.tone).toBe('ok');
  expect(badge.textContent).toContain('First response: 1m 30s left');
  act(() => void vi.advanceTimersByTime(31_000));
  expect(badge.dataset.tone).toBe('warning');
  act(() => void vi.advanceTimersByTime(60_000));
  expect(badge.dataset.tone).toBe('breached');
  expect(badge.textContent).toContain('First response: overdue by 1s');
});
