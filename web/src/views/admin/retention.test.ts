// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { RuleReport } from '../../api/retention';
import { translate } from '../../i18n';
import {
  alongWith,
  changed,
  countList,
  draftOf,
  localErrors,
  matchedText,
  newDraft,
  otherErrors,
  policyOf,
  ruleErrors,
  withKind,
  withStatus,
} from './retention';

const en = (k: Parameters<typeof translate>[1], p?: Parameters<typeof translate>[2]) => translate('en', k, p);
const de = (k: Parameters<typeof translate>[1], p?: Parameters<typeof translate>[2]) => translate('de', k, p);

const closed = { name: 'Closed tickets', kind: 'ticket' as const, action: 'delete' as const, unchanged_for_days: 365, statuses: ['closed'], enabled: true };

describe('the retention form', () => {
  it('sends what the server takes: statuses only for tickets, and none when none is ticked', () => {
    const d = draftOf(closed);
    expect(policyOf([d])).toEqual({ rules: [closed] });
    expect(policyOf([withStatus(d, 'closed', false)]).rules[0]).not.toHaveProperty('statuses');
    // Another kind drops the ticket statuses.
    const contact = withKind(withStatus(d, 'resolved', true), 'contact');
    expect(contact.statuses).toEqual([]);
    expect(policyOf([{ ...contact, action: 'erase' }]).rules[0]).toEqual({
      name: 'Closed tickets', kind: 'contact', action: 'erase', unchanged_for_days: 365, enabled: true,
    });
  });

  it('starts a new rule switched off, and keeps a key of its own for each rule', () => {
    const a = newDraft();
    const b = newDraft();
    expect(a.enabled).toBe(false);
    expect(a.key).not.toBe(b.key);
  });

  it('refuses days that are not whole numbers before sending; the server judges the range', () => {
    const d = draftOf(closed);
    expect(localErrors([d, { ...d, days: '' }, { ...d, days: '1.5' }, { ...d, days: '0' }], en)).toEqual({
      'rules.1.unchanged_for_days': 'Enter a whole number of days.',
      'rules.2.unchanged_for_days': 'Enter a whole number of days.',
    });
    expect(policyOf([{ ...d, days: ' 30 ' }]).rules[0]?.unchanged_for_days).toBe(30);
  });

  it('knows when the form differs from what is saved (ticked statuses in any order are the same)', () => {
    const saved = { rules: [{ ...closed, statuses: ['resolved', 'closed'] }] };
    const drafts = saved.rules.map(draftOf);
    expect(changed(drafts, saved)).toBe(false);
    expect(changed([{ ...drafts[0]!, statuses: ['closed', 'resolved'] }], saved)).toBe(false);
    expect(changed([{ ...drafts[0]!, days: '30' }], saved)).toBe(true);
    expect(changed([...drafts, newDraft()], saved)).toBe(true);
    expect(changed([], saved)).toBe(true);
  });

  it('puts the server’s field errors at their rule and field, and keeps the rest for the top', () => {
    const fields = {
      'rules.0.name': 'must be 1 to 100 characters',
      'rules.1.statuses': "unknown status 'nope' (not in the ticket workflow)",
      'rules.1.unchanged_for_days': 'must be between 1 and 36500',
      rules: 'at most 50 rules',
    };
    expect(ruleErrors(fields, 0)).toEqual({ name: 'must be 1 to 100 characters' });
    expect(ruleErrors(fields, 1)).toEqual({
      statuses: "unknown status 'nope' (not in the ticket workflow)",
      unchanged_for_days: 'must be between 1 and 36500',
    });
    expect(ruleErrors(fields, 2)).toEqual({});
    expect(otherErrors(fields)).toEqual(['at most 50 rules']);
  });
});

const report = (over: Partial<RuleReport>): RuleReport => ({
  name: 'r', kind: 'ticket', action: 'delete', enabled: true, matched: 0, records: [], gone: {}, cleared: {}, held: 0, refused: 0, truncated: false, ...over,
});

describe('a retention report in words', () => {
  it('counts the matched records, and what goes with them without counting them twice', () => {
    const r = report({ matched: 3, gone: { ticket: 3, comment: 5, activity: 1 } });
    expect(matchedText(r, en, true)).toBe('Delete 3 tickets');
    expect(matchedText(r, en, false)).toBe('Deleted 3 tickets');
    expect(alongWith(r, en)).toBe('5 comments, 1 activity');
    expect(alongWith(report({ matched: 1, gone: { ticket: 1 } }), en)).toBe('');
    expect(matchedText(report({ matched: 0 }), en, true)).toBe('Delete 0 tickets');
  });

  it('names an erased contact’s tickets as going with them, and the deals kept without them', () => {
    const r = report({ kind: 'contact', action: 'erase', matched: 2, gone: { ticket: 4, contact: 2, comment: 7 }, cleared: { deal: 1 } });
    expect(matchedText(r, en, true)).toBe('Erase 2 contacts');
    expect(alongWith(r, en)).toBe('4 tickets, 7 comments');
    expect(countList(r.cleared, en)).toBe('1 deal');
    expect(alongWith(r, de)).toBe('4 Tickets, 7 Kommentare');
  });

  it('says "at least" when the dry run stopped counting, and shows a kind it does not know as written', () => {
    expect(matchedText(report({ kind: 'activity', matched: 10000, truncated: true }), en, true)).toBe('Delete at least 10000 activities');
    // An action the page does not know yet (a newer server): the count alone.
    expect(matchedText(report({ action: 'archive' as never, matched: 2 }), en, true)).toBe('2 tickets');
    expect(countList({ attachment: 2, deal: 1 }, en)).toBe('1 deal, 2 attachment');
  });
});

describe('an anonymise rule', () => {
  it('is sent as the server takes it, like the other actions', () => {
    const d = { ...draftOf(closed), action: 'anonymise' as const };
    expect(policyOf([d]).rules[0]).toEqual({ ...closed, action: 'anonymise' });
    expect(changed([d], { rules: [closed] })).toBe(true);
  });

  it('reads as records anonymised, not removed, with the comments that go along', () => {
    // The server counts only what went in `gone`: the anonymised tickets stay.
    const r = report({ action: 'anonymise', matched: 3, records: ['t1', 't2', 't3'], gone: { comment: 3 } });
    expect(matchedText(r, en, true)).toBe('Anonymise 3 tickets');
    expect(matchedText(r, en, false)).toBe('Anonymised 3 tickets');
    expect(alongWith(r, en)).toBe('3 comments');
    expect(matchedText(r, de, true)).toBe('3 Tickets anonymisieren');
    expect(matchedText(r, de, false)).toBe('3 Tickets anonymisiert');
    expect(alongWith(r, de)).toBe('3 Kommentare');
    // A deal has no comments: nothing goes along.
    const deals = report({ kind: 'deal', action: 'anonymise', matched: 1, gone: {} });
    expect(matchedText(deals, en, true)).toBe('Anonymise 1 deal');
    expect(alongWith(deals, en)).toBe('');
  });
});
