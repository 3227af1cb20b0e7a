// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/problem';
import { translate, type I18n, type Lang } from '../i18n';
import { deleteError } from './errors';

const i18n = (lang: Lang) => ({ t: (k, p) => translate(lang, k, p) }) as I18n;
const refused = (code: string, detail: string) => new ApiError({ status: 409, code, detail });

// As src/records/removal.rs writes them.
const HELD_HERE = 'The deal d1 is under legal hold (Litigation 4711); it cannot be deleted or erased until the hold is lifted.';
const HELD_ALONG = 'The activity a7 is under legal hold (Audit (2026)); it cannot be deleted or erased until the hold is lifted.';
const IN_USE = '2 deal(s) still refer to this company (field billing_company); move or delete them first.';

describe('a refused delete in words', () => {
  it('names the hold’s reason, on the record itself or on one that would go with it, in English and German', () => {
    expect(deleteError(refused('legal_hold', HELD_HERE), i18n('en'), 'd1')).toBe('Not deleted: it is under legal hold (Litigation 4711). Lift the hold first.');
    expect(deleteError(refused('legal_hold', HELD_ALONG), i18n('en'), 'd1')).toBe('Not deleted: it would take along 1 activity under legal hold (Audit (2026)).');
    expect(deleteError(refused('legal_hold', HELD_ALONG), i18n('de'), 'c1', 'erase.refused')).toBe(
      'Nicht gelöscht: Mit ihm würde 1 Aktivität unter Legal Hold gelöscht (Audit (2026)).',
    );
  });

  it('says how many records of which kind still refer to it, without the field’s key', () => {
    expect(deleteError(refused('in_use', IN_USE), i18n('en'), 'co1')).toBe('Not deleted: 2 deals still refer to it; change or delete them first.');
    expect(deleteError(refused('in_use', IN_USE.replace('2 deal', '1 contact')), i18n('de'), 'co1')).toBe(
      'Nicht gelöscht: 1 Kontakt verweist noch darauf; ändern oder löschen Sie diesen Datensatz zuerst.',
    );
  });

  it('shows a detail in another shape as the server wrote it, and a conflict as a conflict', () => {
    expect(deleteError(refused('in_use', 'Still needed.'), i18n('en'), 'x')).toBe('Not deleted: Still needed.');
    expect(deleteError(new ApiError({ status: 412, code: 'version_conflict', detail: 'v' }), i18n('en'), 'x')).toBe(
      'Someone else changed this record while you were editing.',
    );
  });
});
