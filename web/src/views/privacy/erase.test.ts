// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { translate } from '../../i18n';
import { eraseSummary, nameMatches } from './erase';

const en = (k: Parameters<typeof translate>[1], p?: Parameters<typeof translate>[2]) => translate('en', k, p);
const de = (k: Parameters<typeof translate>[1], p?: Parameters<typeof translate>[2]) => translate('de', k, p);

describe('the erasure dialog', () => {
  it('wants the name as shown (spaces around and between words aside), nothing else', () => {
    expect(nameMatches('Erika Muster', 'Erika Muster')).toBe(true);
    expect(nameMatches('  Erika   Muster ', 'Erika Muster')).toBe(true);
    expect(nameMatches('erika muster', 'Erika Muster')).toBe(false);
    expect(nameMatches('Erika', 'Erika Muster')).toBe(false);
    expect(nameMatches('', '')).toBe(false);
  });

  it('says what was erased in words, with plurals, the deals kept and the portal account made anonymous', () => {
    const r = { gone: { contact: 1, ticket: 2, comment: 3, activity: 1 }, cleared: { deal: 1 }, portal_user: null };
    expect(eraseSummary(r, en)).toBe('Erased: 1 contact, 2 tickets, 3 comments, 1 activity; 1 deal kept without them.');
    expect(eraseSummary({ gone: { contact: 1, comment: 0 }, cleared: {}, portal_user: null }, en)).toBe('Erased: 1 contact.');
    expect(eraseSummary({ gone: { contact: 1, activity: 2 }, cleared: { deal: 2 }, portal_user: 'u9' }, de)).toBe(
      'Gelöscht: 1 Kontakt, 2 Aktivitäten; 2 Deals ohne die Person behalten. Der Portalzugang der Person wurde anonymisiert.',
    );
  });
});
