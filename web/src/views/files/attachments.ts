// Attachments' rules for the views: which events add or remove a file of
// the record a view shows, the list they fold into (newest first), a
// file's type in a word, and why an upload or download did not happen.
import type { FileEventData, FileKind } from '../../api/files';
import { ApiError } from '../../api/problem';
import type { I18n } from '../../i18n';
import type { EventFrame } from '../../realtime/protocol';
import { describeError } from '../../ui/errors';
import { fileSize } from '../../ui/size';

/** What a `file.*` event does to the files of one record. */
export type FileChange = { added: FileEventData } | { removed: string };

/**
 * The change an event makes to record `kind`/`id`'s files, or null when it
 * is about something else (the record itself, a comment, another record's
 * file: a ticket's topic also carries its comments' events).
 */
export function fileChange(f: Pick<EventFrame, 'event' | 'data'>, kind: FileKind, id: string): FileChange | null {
  if (!f.event.startsWith('file.')) return null;
  const d = f.data as Partial<FileEventData>;
  if (typeof d.id !== 'string') return null;
  // A removal may carry only the id: it is about this record if the view holds it.
  if (f.event === 'file.removed') return d.record_id === undefined || (d.record_kind === kind && d.record_id === id) ? { removed: d.id } : null;
  if (f.event === 'file.added' && d.record_kind === kind && d.record_id === id) return { added: d as FileEventData };
  return null;
}

/** Newest first; equal times by id, so two lists of the same files agree. */
export const byNewest = <T extends { id: string; created_at: string }>(a: T, b: T) =>
  b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id);

/**
 * `file` in the list: a file known already keeps what the list has (an
 * answer's download link), a new one goes in at its time.
 */
export function foldFile<T extends FileEventData>(list: T[], file: T): T[] {
  if (list.some((f) => f.id === file.id)) return list.map((f) => (f.id === file.id ? { ...file, ...f } : f));
  return [...list, file].sort(byNewest);
}

export const dropFile = <T extends { id: string }>(list: T[], id: string): T[] =>
  list.some((f) => f.id === id) ? list.filter((f) => f.id !== id) : list;

/** A change folded into the list. */
export function applyChange<T extends FileEventData>(list: T[], c: FileChange): T[] {
  return 'added' in c ? foldFile(list, c.added as T) : dropFile(list, c.removed);
}

const NAMED: Record<string, string> = {
  'application/pdf': 'PDF',
  'application/zip': 'ZIP',
  'application/msword': 'DOC',
  'application/vnd.ms-excel': 'XLS',
  'application/vnd.ms-powerpoint': 'PPT',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'DOCX',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'XLSX',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'PPTX',
  'application/vnd.oasis.opendocument.text': 'ODT',
  'application/vnd.oasis.opendocument.spreadsheet': 'ODS',
  'text/plain': 'TXT',
  'text/csv': 'CSV',
  'image/jpeg': 'JPEG',
  'image/svg+xml': 'SVG',
  'message/rfc822': 'EML',
};

/**
 * A file's type in a word ("PDF", "PNG", "DOCX"), else its name's
 * extension; null when neither says anything (plain bytes, no extension).
 */
export function typeLabel(contentType: string, name: string): string | null {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (NAMED[type]) return NAMED[type]!;
  const sub = type.split('/')[1]?.replace(/^(x-|vnd\.)/, '') ?? '';
  if (type !== 'application/octet-stream' && /^[a-z0-9]{2,5}$/.test(sub)) return sub.toUpperCase();
  const ext = /\.([A-Za-z0-9]{1,6})$/.exec(name)?.[1];
  return ext ? ext.toUpperCase() : null;
}

/** Said before sending: the server would refuse a file this large. */
export function tooLarge(size: number, maxBytes: number | null | undefined): boolean {
  return typeof maxBytes === 'number' && maxBytes > 0 && size > maxBytes;
}

/**
 * Why an upload was refused: the server's own words (its `detail`, else
 * its `title`), which name the limit, the quota or what the scanner found.
 * A refusal without words (a proxy's bare 413) is said from its status.
 */
export function uploadError(e: unknown, i18n: I18n, maxBytes?: number | null): string {
  if (e instanceof ApiError && !e.problem.detail) {
    const limit = typeof maxBytes === 'number' ? fileSize(maxBytes, i18n) : null;
    if (e.status === 413 || e.code === 'payload_too_large') return limit ? i18n.t('files.tooLarge', { max: limit }) : i18n.t('files.tooLargeAny');
    if (e.code === 'quota_exceeded') return i18n.t('files.quotaFull');
    if (e.status === 415 || e.code === 'unsupported_media_type') return i18n.t('files.typeRefused');
    if (e.code === 'upload_infected') return i18n.t('files.infected');
  }
  return describeError(e, i18n);
}

/** Why a file could not be opened: gone (deleted, or its record), else the call's own trouble. */
export function downloadError(e: unknown, i18n: I18n): string {
  if (e instanceof ApiError && e.status === 404) return i18n.t('files.gone');
  return describeError(e, i18n);
}
