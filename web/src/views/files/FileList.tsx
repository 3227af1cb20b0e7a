// A record's files: each one's name (a button that downloads it), size,
// type, who added it and when; on a ticket, whether only colleagues see
// it; and, for whoever may, a way to delete it.
import type { FileEventData } from '../../api/files';
import { useI18n } from '../../i18n';
import { fileSize } from '../../ui/size';
import { typeLabel } from './attachments';
import { ClipIcon } from './ClipIcon';
import { useDownload } from './download';

interface Props {
  files: FileEventData[];
  /** Mark internal files (a ticket's: staff only). */
  showInternal: boolean;
  canDelete: boolean;
  onDelete(f: FileEventData): void;
}

export function FileList({ files, showInternal, canDelete, onDelete }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const dl = useDownload();
  return (
    <ul className="file-list" data-testid="file-list">
      {files.map((f) => {
        const type = typeLabel(f.content_type, f.name);
        return (
          <li key={f.id} className="file-list__item" data-file={f.id} data-name={f.name}>
            <div className="file-list__main">
              <ClipIcon />
              <button type="button" className="link-button file-list__name" disabled={dl.busy === f.id}
                aria-label={t('files.download', { name: f.name })} title={f.content_type} onClick={() => void dl.open(f.id)}>
                {f.name}
              </button>
              {showInternal && f.internal ? <span className="badge badge--pending">{t('files.internal')}</span> : null}
            </div>
            <div className="file-list__meta muted">
              <span>{fileSize(f.size, i18n)}</span>
              {type ? <span>{type}</span> : null}
              <span>
                {f.created_by_name ? t('files.addedBy', { name: f.created_by_name }) : t('files.added')}{' '}
                <time dateTime={f.created_at}>{i18n.dateTime(f.created_at)}</time>
              </span>
            </div>
            {canDelete ? (
              <button type="button" className="btn btn--small btn--ghost file-list__delete" aria-label={t('files.deleteName', { name: f.name })}
                onClick={() => onDelete(f)}>
                {t('record.delete')}
              </button>
            ) : null}
            {dl.error?.id === f.id ? <p className="field__error file-list__error" role="alert">{dl.error.text}</p> : null}
          </li>
        );
      })}
    </ul>
  );
}
