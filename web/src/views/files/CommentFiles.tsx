// A comment's attachments, as links that download them (a fresh signed
// link is asked for on each click: download.ts).
import type { AttachmentRef } from '../../api/files';
import { useI18n } from '../../i18n';
import { fileSize } from '../../ui/size';
import { ClipIcon } from './ClipIcon';
import { useDownload } from './download';

export function CommentFiles({ files }: { files: AttachmentRef[] }) {
  const i18n = useI18n();
  const { t } = i18n;
  const dl = useDownload();
  return (
    <ul className="comment__files" aria-label={t('files.title')} data-testid="comment-files">
      {files.map((f) => (
        <li key={f.id} data-file={f.id}>
          <ClipIcon />{' '}
          <button type="button" className="link-button" disabled={dl.busy === f.id} aria-label={t('files.download', { name: f.name })}
            onClick={() => void dl.open(f.id)}>
            {f.name}
          </button>{' '}
          <span className="muted">{fileSize(f.size, i18n)}</span>
          {dl.error?.id === f.id ? <span className="field__error" role="alert"> {dl.error.text}</span> : null}
        </li>
      ))}
    </ul>
  );
}
