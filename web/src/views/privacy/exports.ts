// A person export's rules for the views: events and answers folded into
// what a view shows (a late answer never rolls progress back), the
// archive's size and name, and what went wrong in words.
import type { ExportProgress, KnownExport } from '../../api/exports';
import { ApiError } from '../../api/problem';
import type { EventFrame } from '../../realtime/protocol';
import type { I18n } from '../../i18n';
import { describeError } from '../../ui/errors';

/** The export an `export.*` event is about, or null for any other event (and for `export.erased`, which says only which one went). */
export function exportOf(f: EventFrame): ExportProgress | null {
  return f.event.startsWith('export.') && f.event !== 'export.erased' && typeof f.data.id === 'string'
    ? (f.data as unknown as ExportProgress)
    : null;
}

/** The export an erasure of its person took away, if `f` says so. */
export function erasedExportOf(f: EventFrame): string | null {
  return f.event === 'export.erased' && typeof f.data.id === 'string' ? f.data.id : null;
}

/** How far an export has come: its steps while running, past all of them once it has ended. */
const stage = (e: ExportProgress) => (e.status === 'running' ? e.done : e.total + 1);

/**
 * `next` over `prev` (the same export), unless `next` is older: an answer
 * read before the last event arrived only fills in what events leave out
 * (who asked, and when).
 */
export function mergeExport(prev: KnownExport, next: KnownExport): KnownExport {
  return stage(next) < stage(prev) ? { ...next, ...prev } : { ...prev, ...next };
}

/** The list with `next` in it: merged into the same export, or a new one on top (newest first). */
export function foldExport(list: KnownExport[], next: KnownExport): KnownExport[] {
  return list.some((e) => e.id === next.id) ? list.map((e) => (e.id === next.id ? mergeExport(e, next) : e)) : [next, ...list];
}

// Sizes are said the same way everywhere (ui/size.ts).
export { fileSize } from '../../ui/size';

/** What to call the saved file: the server's name, else one that still says whose data it is. */
export function archiveName(suggested: string | null, e: Pick<ExportProgress, 'subject_id'>): string {
  return suggested ?? `personal-data-${e.subject_id}.zip`;
}

/** The one reason the server gives today (src/records/person_export.rs). */
const BUILD_FAILED = 'The export could not be built; request it again.';

/** Why an export failed, in the person's language; a reason the app does not know, as written. */
export function exportFailure(e: Pick<ExportProgress, 'error'>, t: I18n['t']): string {
  return !e.error || e.error === BUILD_FAILED ? t('export.failedBuild') : t('export.failedOther', { detail: e.error });
}

/** Why the archive could not be fetched: gone (expired, or its person erased), not ready yet, or the call's own trouble. */
export function downloadError(err: unknown, i18n: I18n): string {
  if (err instanceof ApiError && err.status === 404) return i18n.t('export.gone');
  if (err instanceof ApiError && err.status === 409) return i18n.t('export.notReady');
  return describeError(err, i18n);
}
