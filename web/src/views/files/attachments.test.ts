// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { FileEventData } from '../../api/files';
import { ApiError, NetworkError } from '../../api/problem';
import { translate, type I18n, type Lang } from '../../i18n';
import { fileSize } from '../../ui/size';
import { applyChange, downloadError, fileChange, foldFile, tooLarge, typeLabel, uploadError } from './attachments';

const i18n = (lang: Lang) =>
  ({ lang, t: (k, p) => translate(lang, k, p), number: (n: number) => new Intl.NumberFormat(lang === 'de' ? 'de-DE' : 'en-GB').format(n) }) as I18n;

const file = (id: string, at: string, extra: Partial<FileEventData> = {}): FileEventData => ({
  id, record_kind: 'contact', record_id: 'c1', comment_id: null, name: `${id}.txt`, content_type: 'text/plain', size: 10,
  sha256: '00', internal: true, created_by: 'u1', created_by_name: 'Ada', created_at: at, ...extra,
});
const ev = (event: string, data: object) => ({ event, data: data as Record<string, unknown> });

describe('live files of one record', () => {
  it('takes the file events about this record only', () => {
    const f = file('f1', '2026-12-06T10:00:00Z');
    expect(fileChange(ev('file.added', f), 'contact', 'c1')).toEqual({ added: f });
    expect(fileChange(ev('file.added', f), 'contact', 'c2')).toBeNull();
    expect(fileChange(ev('file.added', f), 'company', 'c1')).toBeNull();
    expect(fileChange(ev('file.removed', f), 'contact', 'c1')).toEqual({ removed: 'f1' });
    expect(fileChange(ev('file.removed', { id: 'f1' }), 'contact', 'c1')).toEqual({ removed: 'f1' });
    // The record's own events and a ticket's comments are not files.
    expect(fileChange(ev('contact.updated', { id: 'c1', version: 2 }), 'contact', 'c1')).toBeNull();
    expect(fileChange(ev('comment.created', { id: 'k1', ticket_id: 't1' }), 'ticket', 't1')).toBeNull();
  });

  it('folds them in newest first, once, keeping what the answer had', () => {
    const older = { ...file('f1', '2026-12-06T09:00:00Z'), download_url: '/x' };
    let list: FileEventData[] = [older];
    list = applyChange(list, { added: file('f2', '2026-12-06T10:00:00Z') });
    expect(list.map((f) => f.id)).toEqual(['f2', 'f1']);
    // The same file again (the event after our own answer, or a replay).
    list = foldFile(list, file('f1', '2026-12-06T09:00:00Z'));
    expect(list).toHaveLength(2);
    expect(list[1]!.download_url).toBe('/x');
    list = applyChange(list, { removed: 'f2' });
    expect(list.map((f) => f.id)).toEqual(['f1']);
    expect(applyChange(list, { removed: 'nope' })).toBe(list);
  });
});

it('says a file’s type in a word', () => {
  expect(typeLabel('application/pdf', 'a.pdf')).toBe('PDF');
  expect(typeLabel('image/png', 'a.png')).toBe('PNG');
  expect(typeLabel('application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'Brief.docx')).toBe('DOCX');
  expect(typeLabel('text/plain; charset=utf-8', 'notes')).toBe('TXT');
  expect(typeLabel('application/octet-stream', 'dump.bin')).toBe('BIN');
  expect(typeLabel('application/octet-stream', 'README')).toBeNull();
});

describe('refusals in words', () => {
  const en = i18n('en');

  it('shows the server’s own words for a refused upload', () => {
    const e = new ApiError({ status: 403, code: 'quota_exceeded', title: 'Forbidden', detail: 'The workspace has used its 100 MiB of storage.' });
    expect(uploadError(e, en, 25 * 1024 * 1024)).toBe('The workspace has used its 100 MiB of storage.');
    expect(uploadError(new NetworkError(), en)).toBe('The server cannot be reached.');
  });

  it('says a refusal without words from its code or status, in the person’s language', () => {
    const bare = (status: number, code?: string) => new ApiError({ status, code, title: 'Refused' });
    expect(uploadError(bare(413), en, 25 * 1024 * 1024)).toBe('It is larger than the 25 MB a file may have.');
    expect(uploadError(bare(413), i18n('de'), 25 * 1024 * 1024)).toBe('Die Datei ist größer als die erlaubten 25 MB.');
    expect(uploadError(bare(413), en)).toBe('It is larger than the server takes.');
    expect(uploadError(bare(403, 'quota_exceeded'), en)).toBe("The workspace's storage is full.");
    expect(uploadError(bare(415), en)).toBe('Files of this type are not accepted.');
    expect(uploadError(bare(422, 'upload_infected'), en)).toBe('The virus scanner found something in it.');
    expect(uploadError(bare(403, 'forbidden'), en)).toBe('Refused');
  });

  it('says a file that went as gone', () => {
    expect(downloadError(new ApiError({ status: 404, code: 'not_found', detail: 'No such file.' }), en)).toBe('This file no longer exists.');
  });

  it('knows a file the server would refuse for its size before it is sent', () => {
    expect(tooLarge(11, 10)).toBe(true);
    expect(tooLarge(10, 10)).toBe(false);
    expect(tooLarge(10 ** 9, null)).toBe(false);
  });
});

it('says sizes up to gigabytes, with the person’s decimal mark', () => {
  expect(fileSize(812, i18n('en'))).toBe('812 B');
  expect(fileSize(26_214_400, i18n('en'))).toBe('25 MB');
  expect(fileSize(1.5 * 1024 ** 3, i18n('de'))).toBe('1,5 GB');
});
