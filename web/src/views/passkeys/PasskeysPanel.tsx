// The signed-in person's passkeys: name, when added, when last used; one
// more ("Add a passkey"), or one fewer after asking. A browser without
// WebAuthn, or a page at an IP address (which WebAuthn refuses), is told
// so instead of offering a button that cannot work. A
// server without passkeys (`404` on the list) shows no panel.
import { useState } from 'react';
import { ApiError } from '../../api/problem';
import { listPasskeys, passkeysHere, removePasskey, type Passkey } from '../../api/passkeys';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { Dialog } from '../../ui/Dialog';
import { describeError } from '../../ui/errors';
import { useLoad } from '../../ui/useLoad';
import { AddPasskey } from './AddPasskey';

const newestFirst = (a: Passkey, b: Passkey) => b.created_at.localeCompare(a.created_at);

export function PasskeysPanel() {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const list = useLoad((signal) => listPasskeys(api, signal), [api]);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [removing, setRemoving] = useState<Passkey | null>(null);
  const [busy, setBusy] = useState(false);
  const here = passkeysHere();

  if (list.error instanceof ApiError && list.error.status === 404) return null;
  const keys = list.data ? [...list.data].sort(newestFirst) : null;

  const added = (p: Passkey) => {
    setError(null);
    setNotice(t('passkey.added', { name: p.name }));
    list.set((prev) => [p, ...(prev ?? []).filter((x) => x.id !== p.id)]);
  };

  const remove = async () => {
    const p = removing;
    if (!p) return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      await removePasskey(api, p.id);
      list.set((prev) => (prev ?? []).filter((x) => x.id !== p.id));
      setNotice(t('passkey.removed', { name: p.name }));
    } catch (e) {
      // Gone already (another tab): the list is read again either way.
      if (e instanceof ApiError && e.status === 404) setNotice(t('passkey.removed', { name: p.name }));
      else setError(describeError(e, i18n));
      list.reload();
    } finally {
      setBusy(false);
      setRemoving(null);
    }
  };

  return (
    <section className="panel" aria-labelledby="passkeys-h" data-testid="passkeys">
      <div className="panel__head">
        <h2 id="passkeys-h">{t('passkey.title')}</h2>
        <AddPasskey onAdded={added} primary />
      </div>
      <p className="muted">{t('passkey.about')}</p>
      {here !== 'ok' ? <Alert tone="warning">{t(here === 'address' ? 'passkey.address' : 'passkey.unsupported')}</Alert> : null}
      {notice ? <Alert tone="success">{notice}</Alert> : null}
      {error ? <Alert tone="danger">{error}</Alert> : null}
      {list.error && !keys ? <Alert tone="danger">{describeError(list.error, i18n)}</Alert> : null}
      {!keys && !list.error ? <p aria-busy="true">{t('app.loading')}</p> : null}
      {keys?.length === 0 ? <p data-testid="passkeys-empty">{t('passkey.none')}</p> : null}
      {keys?.length ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('passkey.name')}</th>
                <th scope="col">{t('passkey.created')}</th>
                <th scope="col">{t('passkey.lastUsed')}</th>
                <th scope="col"><span className="visually-hidden">{t('passkey.remove')}</span></th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id} data-testid="passkey-row">
                  <td>{k.name}</td>
                  <td data-label={t('passkey.created')}>{i18n.dateTime(k.created_at)}</td>
                  <td data-label={t('passkey.lastUsed')}>{k.last_used_at ? i18n.dateTime(k.last_used_at) : t('passkey.never')}</td>
                  <td>
                    <button type="button" className="btn btn--small btn--danger" aria-label={t('passkey.removeOne', { name: k.name })}
                      disabled={busy} onClick={() => setRemoving(k)}>
                      {t('passkey.remove')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {removing ? (
        <Dialog open role="alertdialog" title={t('passkey.removeTitle', { name: removing.name })} onClose={() => !busy && setRemoving(null)}
          actions={
            <>
              <button type="button" className="btn" disabled={busy} onClick={() => setRemoving(null)}>{t('record.cancel')}</button>
              <button type="button" className="btn btn--danger" disabled={busy} onClick={() => void remove()}>{t('passkey.removeConfirm')}</button>
            </>
          }>
          <p>{t('passkey.removeText')}</p>
        </Dialog>
      ) : null}
    </section>
  );
}
