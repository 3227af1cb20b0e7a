// How the views send files: to a record (the attachments panel), or to a
// ticket for the next reply (the conversation's box). A ticket's file is
// internal or public as the message it goes with; a portal person's
// upload is always public, so theirs names no `internal` at all.
import type { ApiClient } from '../../api/client';
import { deleteFile, uploadFile, type FileKind } from '../../api/files';
import type { Uploader } from './useUploads';

export function recordUploader(api: ApiClient, kind: FileKind, recordId: string, maxBytes: number | null): Uploader {
  return {
    send: (file, internal, onProgress, signal) => uploadFile(api, kind, recordId, file, file.name, { internal, onProgress, signal }),
    discard: (id) => deleteFile(api, id),
    maxBytes,
  };
}
