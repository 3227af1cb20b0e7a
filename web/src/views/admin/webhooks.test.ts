// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/problem';
import type { Webhook } from '../../api/webhooks';
import { translate, type I18n } from '../../i18n';
import { choiceOf, disabledReason, eventTypesOf, excerpt, inputOf, newDraft, saveProblem, splitWords, stateOf } from './webhooks';

const i18n = (lang: 'en' | 'de' = 'en') =>
  ({ lang, t: (k, p) => translate(lang, k, p), dateTime: (iso: string) => `<${iso}>` }) as I18n;

describe('webhook rules', () => {
  it('turns the event choice into patterns and back', () => {
    expect(eventTypesOf({ all: true, kinds: ['contact'], other: 'x.y' })).toEqual(['*']);
    expect(eventTypesOf({ all: false, kinds: ['contact', 'ticket'], other: ' deal.updated,contact.* ,, company.created ' }))
      .toEqual(['contact.*', 'ticket.*', 'deal.updated', 'company.created']);
    expect(eventTypesOf({ all: false, kinds: [], other: '' })).toEqual([]);
    expect(choiceOf(['*'])).toEqual({ all: true, kinds: [], other: '' });
    // A kind the form does not offer as a tick stays text.
    expect(choiceOf(['contact.*', 'export.*', 'deal.updated'])).toEqual({ all: false, kinds: ['contact'], other: 'export.*, deal.updated' });
  });

  it('sends what the form shows, trimmed, topics as a list', () => {
    const d = { ...newDraft('admin'), url: ' https://x.example/h ', topics: 'queue:q1  contacts,queue:q1' };
    expect(inputOf(d)).toEqual({ url: 'https://x.example/h', description: '', event_types: ['*'], topics: ['queue:q1', 'contacts'], role: 'admin' });
    expect(splitWords(' a, b  c,,a ')).toEqual(['a', 'b', 'c']);
  });

  it('tells an endpoint’s state', () => {
    const w = { enabled: true, attempts: 0, failing_since: null } as Webhook;
    expect(stateOf(w)).toBe('active');
    expect(stateOf({ ...w, attempts: 2, failing_since: '2026-12-06T08:00:00Z' })).toBe('failing');
    expect(stateOf({ ...w, enabled: false, attempts: 2 })).toBe('disabled');
  });

  it('says why an endpoint is off in the person’s language, else as the server wrote it', () => {
    expect(disabledReason('disabled by an admin', i18n('de'))).toBe('Von einem Administrator abgeschaltet.');
    expect(disabledReason('failing since 2026-12-05T09:00:00Z: HTTP 503', i18n('de')))
      .toBe('Abgeschaltet, nachdem die Zustellung seit <2026-12-05T09:00:00Z> fehlschlug: HTTP 503');
    expect(disabledReason('some new reason', i18n())).toBe('some new reason');
    expect(disabledReason(null, i18n())).toBe('Switched off.');
  });

  it('puts a refused role at its field, and a field the form lacks above it', () => {
    const forbidden = new ApiError({ status: 403, code: 'forbidden', detail: 'role: you cannot grant permissions you do not hold yourself' });
    expect(saveProblem(forbidden, i18n()).fields).toEqual({ role: 'You can only choose a role whose permissions you hold yourself.' });
    const other = new ApiError({ status: 403, code: 'forbidden', detail: 'Missing permission webhooks:write' });
    expect(saveProblem(other, i18n())).toEqual({ error: 'Missing permission webhooks:write', fields: {} });
    const odd = new ApiError({ status: 422, code: 'validation_failed', errors: [{ field: 'url', message: 'bad' }, { field: 'enabled', message: 'odd' }] });
    expect(saveProblem(odd, i18n())).toEqual({
      error: 'The webhook was not saved; see the fields marked. enabled: odd',
      fields: { url: 'bad', enabled: 'odd' },
    });
  });

  it('shortens a response for a table cell', () => {
    expect(excerpt('  {"ok":\n true}  ')).toBe('{"ok": true}');
    expect(excerpt('x'.repeat(100), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
