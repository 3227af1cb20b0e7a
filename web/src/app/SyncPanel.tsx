// Writes made offline: how many wait, and the ones the server refused when
// they were replayed. A conflict is never resolved for the person: they
// choose to drop their change or to apply it on top of the newest version.
import { useState } from 'react';
import { describeError } from '../ui/errors';
import { useI18n } from '../i18n';
import { useSession } from './session';
import type { StoredWrite } from '../offline/store';

export function SyncPanel() {
  const i18n = useI18n();
  const { t } = i18n;
  const { pending, services } = useSession();
  const [error, setError] = useState<string | null>(null);
  const waiting = pending.filter((w) => w.status === 'pending');
  const problems = pending.filter((w) => w.status !== 'pending');
  if (pending.length === 0) return null;

  const overwrite = async (w: StoredWrite) => {
    setError(null);
    try {
      const r = await services.api.get(w.path);
      if (r.version !== null) await services.queue.overwrite(w.id, r.version);
    } catch (e) {
      setError(describeError(e, i18n));
    }
  };

  return (
    <section className="sync" aria-label={t('sync.title')} data-testid="sync-panel">
      {waiting.length > 0 ? (
        <div className="sync__waiting" role="status">
          <span>{t('sync.waiting', { count: waiting.length })}</span>
          <button type="button" className="btn btn--small" onClick={() => void services.queue.replay()}>
            {t('sync.sendNow')}
          </button>
        </div>
      ) : null}
      {problems.length > 0 ? (
        <div className="sync__problems" role="alert">
          <h2>{t('sync.conflicts', { count: problems.length })}</h2>
          {error ? <p className="field__error">{error}</p> : null}
          <ul>
            {problems.map((w) => (
              <li key={w.id} className="sync__item">
                <strong>{w.label}</strong>
                <p>{w.status === 'conflict' ? t('sync.conflict') : t('sync.failed', { detail: w.error?.detail ?? '' })}</p>
                <div className="sync__actions">
                  <button type="button" className="btn btn--small" onClick={() => void services.queue.discard(w.id)}>
                    {t('sync.discard')}
                  </button>
                  {w.status === 'conflict' && w.method !== 'POST' ? (
                    <button type="button" className="btn btn--small btn--primary" onClick={() => void overwrite(w)}>
                      {t('sync.overwrite')}
                    </button>
                  ) : null}
                </div>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
