// @vitest-environment node
import { expect, it } from 'vitest';
import type { AuditEntry } from '../../api/audit';
import { translate, type I18n, type Key, type Params } from '../../i18n';
import { actionLabel, actorLabel, changeLines, factLines, fieldLabel, goneRecords, recordPath, type Names } from './describe';
import { filterOf, queryOf, searchOf, trailOfRecord } from './filters';

const i18n = (lang: 'en' | 'de') => ({ lang, t: (k: Key, p?: Params) => translate(lang, k, p) }) as I18n;
const en = i18n('en');
const de = i18n('de');

const names: Names = {
  user: (id) => ({ u1: { name: 'Olga Owner', email: 'o@x' }, p1: { name: 'Chris Customer', email: 'c@x', kind: 'customer' }, e1: { name: '', email: 'e@x' } })[id],
  apiKey: (id) => (id === 'k1' ? 'Zapier' : undefined),
  stage: (id) => (id === 'won' ? 'Won' : undefined),
};

const entry = (e: Partial<AuditEntry>): AuditEntry => ({
  seq: 1, at: '2026-12-06T10:00:00Z', action: 'contact.updated', actor: { type: 'user', id: 'u1' }, actor_type: 'user', actor_id: 'u1',
  kind: 'contact', record_id: 'c1', ip: null, request_id: null, detail: {}, prev_hash: '', hash: '', ...e,
});

it('names who acted, or what, when no person did', () => {
  expect(actorLabel({ type: 'user', id: 'u1' }, names, en.t)).toBe('Olga Owner');
  expect(actorLabel({ type: 'user', id: 'e1' }, names, en.t)).toBe('e@x');
  expect(actorLabel({ type: 'user', id: 'p1', kind: 'customer' }, names, en.t)).toBe('Chris Customer (portal)');
  expect(actorLabel({ type: 'user', id: '0f8c2d1e-aaaa' }, names, en.t)).toBe('Unknown user 0f8c2d1e');
  expect(actorLabel({ type: 'api_key', id: 'k1', user_id: 'u1' }, names, en.t)).toBe('API key “Zapier”, for Olga Owner');
  expect(actorLabel({ type: 'api_key', id: '00000000-0000', user_id: 'u1' }, names, en.t)).toBe('API key 00000000, for Olga Owner');
  expect(actorLabel({ type: 'engine' }, names, en.t)).toBe('Automation');
  expect(actorLabel({ type: 'platform' }, names, en.t)).toBe('Platform operator');
  expect(actorLabel({ type: 'retention', rule: 'Old tickets' }, names, en.t)).toBe('Retention rule “Old tickets”');
  expect(actorLabel({ type: 'retention', rule: 'Alte Tickets' }, names, de.t)).toBe('Aufbewahrungsregel „Alte Tickets“');
  expect(actorLabel({ type: 'anonymous' }, names, en.t)).toBe('Not signed in');
  expect(actorLabel({ type: 'robot' }, names, en.t)).toBe('robot');
});

it('says the action in words where it can, else as recorded', () => {
  expect(actionLabel('login.success', en.t)).toBe('Signed in');
  expect(actionLabel('role.changed', de.t)).toBe('Rolle geändert');
  expect(actionLabel('deal.updated', en.t)).toBe('Deal changed');
  expect(actionLabel('contact.erased', de.t)).toBe('Kontakt unwiderruflich gelöscht');
  expect(actionLabel('deal.frobbed', en.t)).toBe('deal.frobbed');
  expect(actionLabel('gadget.created', en.t)).toBe('gadget.created');
  expect(actionLabel('weird', en.t)).toBe('weird');
});

it('says each field change: only that it changed, a value set, changed or cleared', () => {
  const e = entry({
    kind: 'deal',
    detail: {
      changes: {
        title: { changed: true },
        stage_id: { from: 'lead', to: 'won' },
        owner_id: { from: 'u1', to: null },
        done: { from: null, to: false },
        contact_ids: { from: ['01a24cfc-582f-7310-86a2-bfd3a9fcac48'], to: [] },
        'custom.size': { changed: true },
        shared_with: { from: null, to: ['u1', 'x'] },
      },
    },
  });
  expect(changeLines(e, en, names)).toEqual([
    'Title changed',
    'Stage: lead → Won',
    'Owner: Olga Owner → none',
    'Done: no',
    'Contacts: 01a24cfc → none',
    'Custom field “size” changed',
    'Shared with: Olga Owner, x',
  ]);
  expect(changeLines(entry({ detail: { changes: { email: { changed: true } } } }), de, names)).toEqual(['E-Mail geändert']);
  expect(changeLines(entry({ detail: null }), en, names)).toEqual([]);
  expect(fieldLabel('contact', 'title', en.t)).toBe('Job title');
  expect(fieldLabel('ticket', 'team_id', en.t)).toBe('Team');
});

it('tells the other facts: roles, permissions, why, along with what', () => {
  expect(factLines(entry({ action: 'user.roles_changed', detail: { before: [], after: ['agent'] } }), en)).toEqual(['Roles: none → agent']);
  expect(factLines(entry({
    action: 'role.changed',
    detail: { before: [{ permission: 'a:b', scope: 'all' }, { permission: 'c:d', scope: 'own' }], after: [{ permission: 'a:b', scope: 'team' }] },
  }), en)).toEqual(['Granted: a:b (team)', 'Taken away: a:b, c:d (own)']);
  expect(factLines(entry({
    action: 'deal.updated',
    detail: { change: { because: 'contact.erased', record_id: '01a24cfc-582f' }, changes: {}, version: { from: 1, to: 2 } },
  }), en)).toEqual(['Along with: Contact erased (01a24cfc)', 'Version 1 → 2']);
  expect(factLines(entry({ action: 'contact.created', detail: { via: 'csv_import' } }), en)).toEqual(['Imported from a CSV file']);
});

it('links records that have a page, to those who may open it, unless the trail says they are gone', () => {
  const all = () => true;
  expect(recordPath('acme', 'company', 'x', all)).toBe('/t/acme/companies/x');
  expect(recordPath('acme', 'ticket', 'x', all)).toBe('/t/acme/console/x');
  expect(recordPath('acme', 'activity', 'x', all)).toBeNull();
  expect(recordPath('acme', 'deal', 'x', (p) => p !== 'deals:read')).toBeNull();
  expect([...goneRecords([entry({ action: 'contact.deleted', record_id: 'a' }), entry({ action: 'contact.updated', record_id: 'b' })])]).toEqual(['a']);
});

it('keeps filters in the address in a fixed order, and sends days as local midnights', () => {
  const f = filterOf(new URLSearchParams('to=2026-12-31&kind=deal&junk=1&record=%20r1%20'));
  expect(f).toEqual({ actor: '', kind: 'deal', action: '', record: 'r1', from: '', to: '2026-12-31' });
  expect(searchOf(f).toString()).toBe('kind=deal&record=r1&to=2026-12-31');
  const q = queryOf({ ...f, from: '2026-12-01' });
  expect(q.from).toBe(new Date(2026, 11, 1).toISOString());
  // "To" includes its day: the next midnight, across the year's end.
  expect(q.to).toBe(new Date(2027, 0, 1).toISOString());
  // Not a date: sent as it is, for the server to refuse in its words.
  expect(queryOf({ ...f, from: 'yesterday' }).from).toBe('yesterday');
  expect(trailOfRecord('acme', 'r1')).toBe('/t/acme/admin/audit?record=r1');
});
