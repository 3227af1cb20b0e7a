// Admin > E-mail, its outbox: what the workspace sent (password resets,
// invitations, ticket replies) and whether it went out: the newest
// messages, without their bodies (those hold links that set passwords,
// and the server drops them once sent). Without an SMTP server the
// operator configured, mail waits here; the page says so, since nothing
// else would.
import { listOutbox, type OutboxMessage } from '../../api/account';
import { useServices } from '../../app/session';
import { useI18n, type I18n, type Key } from '../../i18n';
import { en } from '../../i18n/en';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { useLoad } from '../../ui/useLoad';

const BADGE: Record<string, string> = { queued: 'pending', sent: 'ready', failed: 'failed' };

/** A known kind or status in words; one the server adds later as written. */
function word(i18n: I18n, prefix: string, value: string): string {
  const key = `${prefix}${value}`;
  return key in en ? i18n.t(key as Key) : value;
}

export function MailOutbox() {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const outbox = useLoad((signal) => listOutbox(api, signal), [api]);
  const items = outbox.data?.items ?? [];

  return (
    <section className="panel" aria-labelledby="outbox-h">
      <div className="panel__head">
        <h2 id="outbox-h">{t('mail.outbox')}</h2>
        <button type="button" className="btn btn--small" disabled={outbox.loading} onClick={outbox.reload}>{t('mail.refresh')}</button>
      </div>
      {outbox.data && !outbox.data.smtp ? (
        <div data-testid="no-smtp"><Alert tone="warning">{t('mail.noSmtp')}</Alert></div>
      ) : null}
      {outbox.error ? <Alert tone="danger">{describeError(outbox.error, i18n)}</Alert> : null}
      {outbox.data === null && !outbox.error ? <p aria-busy="true">{t('app.loading')}</p> : null}
      {outbox.data && items.length === 0 ? <p className="muted">{t('mail.empty')}</p> : null}
      {items.length ? (
        <div className="table-wrap">
          <table className="table" data-testid="outbox">
            <thead>
              <tr>
                <th scope="col">{t('mail.created')}</th>
                <th scope="col">{t('mail.kind')}</th>
                <th scope="col">{t('mail.to')}</th>
                <th scope="col">{t('mail.subject')}</th>
                <th scope="col">{t('mail.status')}</th>
                <th scope="col">{t('mail.attempts')}</th>
                <th scope="col">{t('mail.lastError')}</th>
              </tr>
            </thead>
            <tbody>{items.map((m) => <MessageRow key={m.id} m={m} />)}</tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function MessageRow({ m }: { m: OutboxMessage }) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <tr data-mail={m.id} data-status={m.status}>
      <td>{i18n.dateTime(m.created_at)}</td>
      <td data-label={t('mail.kind')}>{word(i18n, 'mail.kind_', m.kind)}</td>
      <td data-label={t('mail.to')}>{m.to_addr}</td>
      <td data-label={t('mail.subject')}>{m.subject}</td>
      <td data-label={t('mail.status')}>
        <span className={`badge badge--${BADGE[m.status] ?? 'pending'}`}>{word(i18n, 'mail.status_', m.status)}</span>
        <div className="muted">
          {m.status === 'sent' && m.sent_at ? t('mail.sentAt', { time: i18n.dateTime(m.sent_at) }) : null}
          {m.status === 'queued' ? t('mail.nextAttempt', { time: i18n.dateTime(m.next_attempt_at) }) : null}
        </div>
      </td>
      <td data-label={t('mail.attempts')}>{i18n.number(m.attempts)}</td>
      <td data-label={t('mail.lastError')}>{m.last_error ?? ''}</td>
    </tr>
  );
}
