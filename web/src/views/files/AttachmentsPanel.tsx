// "Attachments" on a contact, company, deal or ticket: the record's files
// (newest first), live, so a file added or deleted in another browser shows
// at once. Whoever may change the record adds files (the button or by
// dropping them on the panel; several at once, each with its own bar) and
// deletes them after a confirmation. A refusal (too large, the workspace's
// storage full, a type not taken, a virus found) is said at its file in
// the server's words. A server without attachments shows no panel.
import { useId, useMemo, useState } from 'react';
import type { FileEventData, FileKind } from '../../api/files';
import { deleteFile } from '../../api/files';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { fileSize } from '../../ui/size';
import { ConfirmDelete } from '../crm/ConfirmDelete';
import { downloadError } from './attachments';
import { FileDrop } from './FileDrop';
import { FileList } from './FileList';
import { recordUploader } from './uploaders';
import { UploadList } from './UploadList';
import { useRecordFiles } from './useRecordFiles';
import { useUploadLimit } from './useStorage';
import { useUploads } from './useUploads';

interface Props {
  kind: FileKind;
  recordId: string;
  /** May add and delete files (the record's write permission; the server decides). */
  canWrite: boolean;
  /** A sentence under the heading (a ticket's: these files are internal). */
  hint?: string;
}

export function AttachmentsPanel({ kind, recordId, canWrite, hint }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const headingId = useId();
  const files = useRecordFiles(kind, recordId);
  const max = useUploadLimit();
  const uploader = useMemo(() => recordUploader(api, kind, recordId, max), [api, kind, recordId, max]);
  const uploads = useUploads(uploader);
  const [confirm, setConfirm] = useState<FileEventData | null>(null);
  const [message, setMessage] = useState<{ tone: 'danger' | 'success'; text: string } | null>(null);

  if (files.unavailable) return null;

  const take = async (chosen: File[]) => {
    setMessage(null);
    const added = uploads.add(chosen);
    const sent = await uploads.send(added.map((u) => u.key));
    sent.forEach((f, i) => {
      if (!f) return;
      // In the list now (the event may come before or after): the bar's work is done.
      files.added(f);
      uploads.clear([added[i]!.key]);
    });
  };

  const remove = async (f: FileEventData) => {
    setConfirm(null);
    setMessage(null);
    try {
      await deleteFile(api, f.id);
      files.removed(f.id);
      setMessage({ tone: 'success', text: t('files.deleted', { name: f.name }) });
    } catch (e) {
      setMessage({ tone: 'danger', text: t('files.notDeleted', { name: f.name, reason: downloadError(e, i18n) }) });
    }
  };

  const list = files.data ?? [];
  const sending = uploads.items.some((u) => u.status === 'sending' || u.status === 'waiting');
  const body = (
    <>
      {message ? <Alert tone={message.tone}>{message.text}</Alert> : null}
      {files.error && !files.data ? <Alert tone="danger">{describeError(files.error, i18n)}</Alert> : null}
      <UploadList items={uploads.items} onRemove={uploads.remove} />
      {files.data && list.length === 0 && !uploads.items.length ? <p className="muted">{t(canWrite ? 'files.emptyDrop' : 'files.empty')}</p> : null}
      {list.length ? <FileList files={list} showInternal={kind === 'ticket'} canDelete={canWrite} onDelete={setConfirm} /> : null}
      {!files.data && files.loading ? <p className="muted" aria-busy="true">{t('app.loading')}</p> : null}
    </>
  );

  return (
    <section className="attachments" aria-labelledby={headingId} data-testid="attachments" data-count={list.length} aria-busy={sending}>
      <h2 id={headingId}>
        {t('files.title')} {files.data ? <span className="muted attachments__count">({i18n.number(list.length)})</span> : null}
      </h2>
      {hint ? <p className="muted attachments__hint">{hint}</p> : null}
      {canWrite ? (
        <FileDrop barFirst onFiles={(f) => void take(f)} label={t('files.add')} hint={max ? t('files.hint', { max: fileSize(max, i18n) }) : t('files.hintAny')}>
          {body}
        </FileDrop>
      ) : (
        body
      )}
      <ConfirmDelete open={confirm !== null} name={confirm?.name ?? ''} onCancel={() => setConfirm(null)} onDelete={() => confirm && void remove(confirm)} />
    </section>
  );
}
