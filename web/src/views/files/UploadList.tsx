// Files on their way: each with its name, size and its own bar while it is
// sent, a refusal in words under it, and a way to take it out (which stops
// it, or deletes it again if it went already).
import { useI18n } from '../../i18n';
import { fileSize } from '../../ui/size';
import type { Upload } from './useUploads';

const percent = (u: Upload) => (u.total ? Math.min(100, Math.round((u.sent / u.total) * 100)) : 0);

export function UploadList({ items, onRemove, busy = false }: { items: Upload[]; onRemove(key: string): void; busy?: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  if (!items.length) return null;
  return (
    <ul className="uploads" aria-label={t('files.uploads')} data-testid="uploads">
      {items.map((u) => {
        const name = u.file.name;
        return (
          <li key={u.key} className={`uploads__item uploads__item--${u.status}`} data-upload={name} data-status={u.status}>
            <div className="uploads__head">
              <span className="uploads__name">{name}</span>
              <span className="muted">{fileSize(u.file.size, i18n)}</span>
              {u.status === 'waiting' ? <span className="muted">{t('files.waiting')}</span> : null}
              {u.status === 'done' ? <span className="uploads__done">{t('files.ready')}</span> : null}
              <button type="button" className="btn btn--small btn--ghost uploads__remove" disabled={busy && u.status !== 'failed'}
                aria-label={t(u.status === 'sending' ? 'files.cancelName' : 'files.removeName', { name })} onClick={() => onRemove(u.key)}>
                ×
              </button>
            </div>
            {u.status === 'sending' ? (
              <progress max={100} value={percent(u)} aria-label={t('files.sending', { name, percent: percent(u) })} />
            ) : null}
            {u.status === 'failed' && u.error ? <p className="field__error" role="alert">{t('files.refused', { name, reason: u.error })}</p> : null}
          </li>
        );
      })}
    </ul>
  );
}
