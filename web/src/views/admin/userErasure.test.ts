// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/problem';
import { translate, type I18n } from '../../i18n';
import { confirmsUser, isErasedUser, userEraseRefusal } from './userErasure';

const i18n = (lang: 'en' | 'de') => ({ t: (k, p) => translate(lang, k, p) }) as I18n;
const problem = (status: number, detail: string) => new ApiError({ status, code: status === 403 ? 'forbidden' : 'conflict', detail });

describe('erasing a user', () => {
  it('wants their name as shown, or their e-mail address in any case', () => {
    const lea = { name: 'Lea Leaver', email: 'Lea@x.example' };
    expect(confirmsUser('Lea Leaver', lea)).toBe(true);
    expect(confirmsUser('  Lea   Leaver ', lea)).toBe(true);
    expect(confirmsUser(' lea@X.example', lea)).toBe(true);
    expect(confirmsUser('lea leaver', lea)).toBe(false);
    expect(confirmsUser('Lea', lea)).toBe(false);
    expect(confirmsUser('', { name: '', email: '' })).toBe(false);
  });

  it('knows an account erased already by its address', () => {
    expect(isErasedUser({ email: 'erased-01a24d10a345732fb87f824d68834e5c@erased.invalid' })).toBe(true);
    expect(isErasedUser({ email: 'lea@x.example' })).toBe(false);
  });

  it('says the server’s refusals in the person’s language, and names the contact of a portal account', () => {
    const contact = '01a24d10-868a-7445-afda-52500bae0516';
    const portal = problem(409, `This portal account is contact ${contact}; erase the contact, which takes the account and what it wrote along.`);
    expect(userEraseRefusal(portal, i18n('de'))).toEqual({
      text: 'Nicht gelöscht: Dieser Portalzugang gehört zu einem Kontakt. Löschen Sie stattdessen den Kontakt auf seiner Seite: Das nimmt den Zugang und alles, was darüber geschrieben wurde, mit.',
      contact,
    });
    expect(userEraseRefusal(problem(409, 'You cannot erase yourself.'), i18n('en')).text).toBe('Not erased: you cannot erase yourself.');
    expect(userEraseRefusal(problem(409, "The tenant's last active owner cannot be erased."), i18n('de')).text).toBe(
      'Nicht gelöscht: Dies ist der letzte aktive Inhaber des Arbeitsbereichs. Machen Sie zuerst jemand anderen zum Inhaber.',
    );
    expect(userEraseRefusal(problem(403, 'roles: you cannot grant permissions you do not hold yourself'), i18n('en')).text).toBe(
      'Not erased: they hold permissions you do not hold. Only someone who holds them may erase them.',
    );
    expect(userEraseRefusal(new ApiError({ status: 404, code: 'not_found', detail: 'The requested resource does not exist.' }), i18n('en')).text).toBe(
      'Not erased: this user no longer exists.',
    );
    // Without the permission: the server's own sentence.
    expect(userEraseRefusal(problem(403, 'This needs the permission privacy:erase.'), i18n('en')).text).toBe('Not erased: This needs the permission privacy:erase.');
  });
});
