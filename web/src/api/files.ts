// File attachments (issue 17): files kept on a contact, company, deal or
// ticket. An upload is the file's raw bytes (not multipart), named in the
// query; the server checks size, the workspace's storage quota, the type
// (by the bytes, not only the name) and scans it for viruses. A file is
// downloaded through a signed link (`download_url`) that is good for
// five minutes and needs no bearer token, so a plain link or a new tab can
// open it: the app reads the file again for a fresh link right before.
// A ticket's files are internal (staff only) unless uploaded as public or
// by a portal user; they are put on a comment by naming them in its
// `attachments`. Lists and links answer only what the caller may read.
import type { ApiClient } from './client';
import type { UploadProgress } from './xhr';

/** The records a file can be kept on (as in topics: `record:<kind>:<id>`). */
export type FileKind = 'contact' | 'company' | 'deal' | 'ticket';

const PATHS: Record<FileKind, string> = { contact: 'contacts', company: 'companies', deal: 'deals', ticket: 'tickets' };

/** A file as the API answers it. */
export interface StoredFile {
  id: string;
  record_kind: FileKind;
  record_id: string;
  /** The comment it is attached to (tickets); null while on the ticket only. */
  comment_id: string | null;
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  /** Staff only; a portal user never sees it. */
  internal: boolean;
  created_by: string | null;
  created_by_name?: string | null;
  created_at: string;
  /** Relative to the server's origin; good until `download_expires_at`. */
  download_url: string;
  download_expires_at: string;
}

/** A file as `file.*` events carry it: no link (it would expire in the log). */
export type FileEventData = Omit<StoredFile, 'download_url' | 'download_expires_at'> & Partial<Pick<StoredFile, 'download_url' | 'download_expires_at'>>;

/** A comment's attachment, as the comment names it. */
export interface AttachmentRef {
  id: string;
  name: string;
  size: number;
  content_type: string;
}

export interface StorageUsage {
  used_bytes: number;
  /** null: no limit. */
  quota_bytes: number | null;
  files: number;
  /** The largest upload the server takes. */
  max_upload_bytes: number;
  /** Uploads are checked by a virus scanner (absent: not said). */
  scanning?: boolean;
}

export interface UploadOptions {
  /** Tickets, staff only: false makes it public (the server's default for staff is internal). */
  internal?: boolean;
  onProgress?: UploadProgress;
  signal?: AbortSignal;
}

/** The most files one comment names (the server refuses more). */
export const MAX_ATTACHMENTS = 20;

/** What an upload sends as its type: the browser's guess, else plain bytes (the server looks at them anyway). */
export const uploadType = (file: Blob) => file.type || 'application/octet-stream';

/** Where a record's files are listed and uploaded. */
export const filesPath = (kind: FileKind, recordId: string) => `/${PATHS[kind]}/${recordId}/files`;

/** Every page of a record's files, in the server's order; stops at `max`. */
export async function listFiles(api: ApiClient, kind: FileKind, recordId: string, signal?: AbortSignal, max = 1000) {
  const items: StoredFile[] = [];
  let cursor: string | null = null;
  do {
    const r: { items: StoredFile[]; next_cursor: string | null } = (await api.get<{ items: StoredFile[]; next_cursor: string | null }>(filesPath(kind, recordId), { cursor }, signal)).data;
    items.push(...r.items);
    cursor = r.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

/**
 * Uploads one file to a record. Over XMLHttpRequest when `onProgress` is
 * given (fetch tells nothing of an upload's progress). Refusals come as
 * ApiError: `413 payload_too_large`, `403 quota_exceeded`, `415
 * unsupported_media_type`, `422 upload_infected`, `403 forbidden`, `404`.
 */
export async function uploadFile(api: ApiClient, kind: FileKind, recordId: string, file: Blob, name: string, o: UploadOptions = {}) {
  const r = await api.request<StoredFile>('POST', filesPath(kind, recordId), {
    raw: { data: file, type: uploadType(file) },
    query: { name, internal: o.internal === undefined ? undefined : String(o.internal) },
    onUploadProgress: o.onProgress,
    signal: o.signal,
  });
  return r.data;
}

/** One file, with a fresh download link. */
export async function getFile(api: ApiClient, id: string, signal?: AbortSignal) {
  return (await api.get<StoredFile>(`/files/${id}`, undefined, signal)).data;
}

export async function deleteFile(api: ApiClient, id: string) {
  await api.request('DELETE', `/files/${id}`);
}

export async function storageUsage(api: ApiClient, signal?: AbortSignal) {
  return (await api.get<StorageUsage>('/storage/usage', undefined, signal)).data;
}

/** A comment's attachment, from the file it was uploaded as. */
export const attachmentRef = (f: Pick<StoredFile, 'id' | 'name' | 'size' | 'content_type'>): AttachmentRef => ({
  id: f.id,
  name: f.name,
  size: f.size,
  content_type: f.content_type,
});
