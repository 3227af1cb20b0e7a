// The workspace's storage on the admin home: how much its files take of
// its quota, as a bar and in words, how many files there are, the
// largest upload the server takes, and whether uploads are scanned for
// viruses. Read each time the page opens (not the
// tab's shared copy, which may be a minute old); nothing is shown by a
// server without attachments.
import { storageUsage } from '../../api/files';
import { ApiError } from '../../api/problem';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { describeError } from '../../ui/errors';
import { fileSize } from '../../ui/size';
import { useLoad } from '../../ui/useLoad';

/** Amber from here on, red when full (the words say it too). */
const HIGH = 0.8;

export function StorageUsage() {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const usage = useLoad((signal) => storageUsage(api, signal), [api]);
  if (usage.error instanceof ApiError && usage.error.status === 404) return null;
  const u = usage.data;
  const share = u && u.quota_bytes ? Math.min(1, u.used_bytes / u.quota_bytes) : null;
  const level = share === null ? 'ok' : share >= 1 ? 'full' : share >= HIGH ? 'high' : 'ok';
  // A little is not nothing: "< 1 %", not "0 %".
  const percent = share === null ? '' : share > 0 && share < 0.005 ? '< 1' : i18n.number(Math.round(share * 100));
  const usedOf = u?.quota_bytes ? t('storage.usedOf', { used: fileSize(u.used_bytes, i18n), quota: fileSize(u.quota_bytes, i18n), percent }) : '';
  return (
    <section className="panel storage" aria-labelledby="storage-h" data-testid="storage-usage" data-level={level}>
      <h2 id="storage-h">{t('storage.title')}</h2>
      {usage.error && !u ? <p className="field__error" role="alert">{describeError(usage.error, i18n)}</p> : null}
      {!u && !usage.error ? <p className="muted" aria-busy="true">{t('app.loading')}</p> : null}
      {u ? (
        <>
          <p className="storage__used">
            {u.quota_bytes ? usedOf : t('storage.usedNoQuota', { used: fileSize(u.used_bytes, i18n) })}
          </p>
          {u.quota_bytes ? (
            <div className={`storage__bar storage__bar--${level}`} role="meter" aria-label={t('storage.title')}
              aria-valuemin={0} aria-valuemax={u.quota_bytes} aria-valuenow={Math.min(u.used_bytes, u.quota_bytes)}
              aria-valuetext={usedOf}>
              <div className="storage__fill" style={{ width: `${(share ?? 0) * 100}%` }} />
            </div>
          ) : null}
          {level === 'full' ? <p className="field__error">{t('storage.full')}</p> : null}
          <p className="muted">
            {t('storage.files', { count: u.files, n: i18n.number(u.files) })} · {t('storage.maxUpload', { max: fileSize(u.max_upload_bytes, i18n) })}
            {u.scanning === undefined ? null : ` · ${t(u.scanning ? 'storage.scanned' : 'storage.notScanned')}`}
          </p>
        </>
      ) : null}
    </section>
  );
}
