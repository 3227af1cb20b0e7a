// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { KnownExport, PersonExport } from '../../api/exports';
import { ApiError, NetworkError } from '../../api/problem';
import { translate, type I18n, type Lang } from '../../i18n';
import type { EventFrame } from '../../realtime/protocol';
import { archiveName, downloadError, erasedExportOf, exportFailure, exportOf, fileSize, foldExport, mergeExport } from './exports';

const i18n = (lang: Lang) =>
  ({ lang, t: (k, p) => translate(lang, k, p), number: (n: number) => new Intl.NumberFormat(lang === 'de' ? 'de-DE' : 'en-GB').format(n) }) as I18n;

const answer = (id: string, extra: Partial<PersonExport> = {}): PersonExport => ({
  id, subject_kind: 'contact', subject_id: 'c1', requested_by: 'u1', status: 'running', done: 0, total: 7,
  error: null, size: null, created_at: '2026-12-06T10:00:00Z', finished_at: null, expires_at: null, ...extra,
});

/** What an `export.*` event carries: no requested_by, created_at or finished_at. */
const frame = (id: string, extra: Partial<KnownExport> = {}): KnownExport => {
  const { requested_by: _r, created_at: _c, finished_at: _f, ...progress } = answer(id, extra as Partial<PersonExport>);
  return progress;
};

describe('exports in a list, live', () => {
  it('folds progress events into the export they name, keeping who asked and when', () => {
    const list: KnownExport[] = [answer('e2'), answer('e1', { status: 'ready', done: 7 })];
    const moved = foldExport(list, frame('e2', { done: 3 }));
    expect(moved.map((e) => [e.id, e.done])).toEqual([['e2', 3], ['e1', 7]]);
    expect(moved[0]).toMatchObject({ requested_by: 'u1', created_at: '2026-12-06T10:00:00Z' });
    const ready = foldExport(moved, frame('e2', { status: 'ready', done: 7, size: 5786, expires_at: '2026-12-13T10:00:00Z' }));
    expect(ready[0]).toMatchObject({ status: 'ready', done: 7, size: 5786, expires_at: '2026-12-13T10:00:00Z', created_at: '2026-12-06T10:00:00Z' });
  });

  it('puts an export it has not seen on top, and fills it in once it is read in full', () => {
    const list = foldExport([answer('e1')], frame('e3', { done: 1 }));
    expect(list.map((e) => e.id)).toEqual(['e3', 'e1']);
    expect(list[0]?.created_at).toBeUndefined();
    // The answer was read before the next event: it fills in, but does not set the steps back.
    const later = foldExport(foldExport(list, frame('e3', { done: 4 })), answer('e3', { done: 2, created_at: '2026-12-06T11:00:00Z' }));
    expect(later[0]).toMatchObject({ done: 4, created_at: '2026-12-06T11:00:00Z', requested_by: 'u1' });
  });

  it('never takes a running state over an ended one, nor fewer steps over more', () => {
    const ready = answer('e1', { status: 'ready', done: 7, size: 10 });
    expect(mergeExport(ready, frame('e1', { done: 6 }))).toMatchObject({ status: 'ready', done: 7, size: 10 });
    const failed = answer('e1', { status: 'failed', done: 2, error: 'x' });
    expect(mergeExport(failed, frame('e1', { done: 2 }))).toMatchObject({ status: 'failed', error: 'x' });
    expect(mergeExport(answer('e1', { done: 2 }), frame('e1', { status: 'failed', done: 2, error: 'y' }))).toMatchObject({ status: 'failed', error: 'y' });
  });

  it('hears only export events', () => {
    const ev = (event: string, data: Record<string, unknown>): EventFrame => ({ type: 'event', topic: 'exports', seq: 1, event, data });
    expect(exportOf(ev('export.progress', { ...frame('e1', { done: 2 }) }))?.done).toBe(2);
    expect(exportOf(ev('contact.updated', { id: 'c1' }))).toBeNull();
    expect(exportOf(ev('export.progress', {}))).toBeNull();
    // An erasure's drop names the export only: not folded as progress, heard as gone.
    const erased = ev('export.erased', { id: 'e1', erased: true });
    expect(exportOf(erased)).toBeNull();
    expect(erasedExportOf(erased)).toBe('e1');
    expect(erasedExportOf(ev('export.ready', { ...frame('e1', {}) }))).toBeNull();
  });
});

describe('the archive', () => {
  it('is saved under the server’s name, else one that names whose data it is', () => {
    expect(archiveName('personal-data-c1-2026-12-06.zip', { subject_id: 'c1' })).toBe('personal-data-c1-2026-12-06.zip');
    expect(archiveName(null, { subject_id: 'c1' })).toBe('personal-data-c1.zip');
  });

  it('says its size the way the person writes numbers', () => {
    expect(fileSize(812, i18n('en'))).toBe('812 B');
    expect(fileSize(5786, i18n('en'))).toBe('5.7 KB');
    expect(fileSize(5786, i18n('de'))).toBe('5,7 KB');
    expect(fileSize(2_400_000, i18n('en'))).toBe('2.3 MB');
  });

  it('says why it could not be fetched: gone, not ready yet, or offline', () => {
    expect(downloadError(new ApiError({ status: 404, code: 'not_found', detail: 'Not found' }), i18n('en'))).toMatch(/^This export is no longer available/);
    expect(downloadError(new ApiError({ status: 409, code: 'conflict', detail: 'still' }), i18n('de'))).toBe(
      'Der Export wird noch erstellt; er kann heruntergeladen werden, sobald er fertig ist.',
    );
    expect(downloadError(new NetworkError(new Error('down')), i18n('en'))).toBe(translate('en', 'error.offline'));
  });
});

it('says why an export failed in the person’s language; a reason it does not know, as written', () => {
  expect(exportFailure({ error: 'The export could not be built; request it again.' }, i18n('en').t)).toBe('The export could not be made.');
  expect(exportFailure({ error: 'The export could not be built; request it again.' }, i18n('de').t)).toBe('Der Export konnte nicht erstellt werden.');
  expect(exportFailure({ error: 'Disk full' }, i18n('en').t)).toBe('The export failed: Disk full');
  expect(exportFailure({ error: null }, i18n('en').t)).toBe('The export could not be made.');
});
