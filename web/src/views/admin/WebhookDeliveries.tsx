// One endpoint's delivery log (newest first, the server keeps a week):
// each attempt's time, event, message id, status, latency, error and the
// start of the receiver's answer. "Load more" follows the server's cursor
// and is offered only while there is one; "Refresh" reads the newest page
// again (deliveries are not pushed live).
import { useEffect, useState } from 'react';
import { listDeliveries, type Delivery } from '../../api/webhooks';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { useLoad } from '../../ui/useLoad';
import { excerpt } from './webhooks';

/** `refresh` changes (a ping was sent, say): the newest page is read again. */
export function WebhookDeliveries({ webhookId, refresh }: { webhookId: string; refresh: number }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const first = useLoad((signal) => listDeliveries(api, webhookId, null, signal), [api, webhookId, refresh]);
  const [older, setOlder] = useState<Delivery[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!first.data) return;
    setOlder([]);
    setNext(first.data.next_cursor);
  }, [first.data]);

  const more = async () => {
    if (!next) return;
    setBusy(true);
    setError(null);
    try {
      const page = await listDeliveries(api, webhookId, next);
      setOlder((o) => [...o, ...page.items]);
      setNext(page.next_cursor);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const rows = [...(first.data?.items ?? []), ...older];
  const problem = first.error ?? error;
  return (
    <div className="webhook-log">
      <div className="webhook-log__head">
        <h3>{t('webhooks.log')}</h3>
        <button type="button" className="btn btn--small" disabled={first.loading} onClick={first.reload}>{t('webhooks.refresh')}</button>
      </div>
      {problem ? <Alert tone="danger">{describeError(problem, i18n)}</Alert> : null}
      {first.data && rows.length === 0 ? <p className="muted">{t('webhooks.logEmpty')}</p> : null}
      {first.data === null && !problem ? <p aria-busy="true">{t('app.loading')}</p> : null}
      {rows.length ? (
        <div className="table-wrap">
          <table className="table" data-testid="deliveries">
            <thead>
              <tr>
                <th scope="col">{t('webhooks.at')}</th>
                <th scope="col">{t('webhooks.eventType')}</th>
                <th scope="col">{t('webhooks.messageId')}</th>
                <th scope="col">{t('webhooks.attempt')}</th>
                <th scope="col">{t('webhooks.status')}</th>
                <th scope="col">{t('webhooks.latency')}</th>
                <th scope="col">{t('webhooks.error')}</th>
                <th scope="col">{t('webhooks.response')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.id} data-delivery={d.id} data-event={d.event_type} data-ok={d.ok}>
                  <td>{i18n.dateTime(d.at)}</td>
                  <td data-label={t('webhooks.eventType')}><code>{d.event_type}</code></td>
                  <td data-label={t('webhooks.messageId')}><code>{d.message_id}</code></td>
                  <td data-label={t('webhooks.attempt')}>{i18n.number(d.attempt)}</td>
                  <td data-label={t('webhooks.status')}>
                    <span className={`badge badge--${d.ok ? 'ready' : 'failed'}`}>{d.ok ? t('webhooks.ok') : t('webhooks.failed')}</span>{' '}
                    {d.status ?? t('webhooks.noAnswer')}
                  </td>
                  <td data-label={t('webhooks.latency')}>{t('webhooks.ms', { ms: i18n.number(d.latency_ms) })}</td>
                  <td data-label={t('webhooks.error')}>{d.error ?? ''}</td>
                  <td data-label={t('webhooks.response')} title={d.response || undefined}>{d.response ? <code>{excerpt(d.response)}</code> : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {next ? (
        <button type="button" className="btn btn--small" disabled={busy} onClick={() => void more()}>
          {busy ? t('app.loading') : t('webhooks.loadMore')}
        </button>
      ) : null}
    </div>
  );
}
