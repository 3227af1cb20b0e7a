// One ticket in a portal: its subject, status and conversation (public
// replies only: the server never sends internal notes here, nor their
// files), and a reply box that takes files too (a portal person's uploads
// are always public). A ticket that is not the person's own looks exactly
// like one that does not exist: the server answers 404 for both.
import { useCallback, useMemo, useState } from 'react';
import { ApiError } from '../../api/problem';
import { updateRecord } from '../../api/records';
import { addComment, nextStatuses, type Ticket } from '../../api/support';
import { Link } from '../../app/router';
import { useServices, useSession } from '../../app/session';
import { useI18n } from '../../i18n';
import { usePresence } from '../../realtime/hooks';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { statusLabel } from '../support/labels';
import { useWorkflow } from '../support/hooks';
import { Thread } from '../support/Thread';
import { useTicket } from '../support/useTicket';
import { recordUploader } from '../files/uploaders';
import { useUploadLimit } from '../files/useStorage';

export function PortalTicket({ id, back, canSetStatus }: { id: string; back: string; canSetStatus: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { me } = useSession();
  const tk = useTicket(id);
  const wf = useWorkflow();
  const [editing, setEditing] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  usePresence(`ticket:${id}`, editing ? 'editing' : 'viewing', me?.user.id);
  const onEditing = useCallback((e: boolean) => setEditing(e), []);
  const uploadLimit = useUploadLimit();
  const uploader = useMemo(() => recordUploader(api, 'ticket', id, uploadLimit), [api, id, uploadLimit]);

  // Erased (the person's right to erasure): gone like a ticket that never was.
  if (tk.erased) {
    return (
      <section className="panel" data-testid="record-erased">
        <h1 tabIndex={-1}>{t('record.erased')}</h1>
        <Link to={back}>{t('portal.back')}</Link>
      </section>
    );
  }
  if (tk.notFound) {
    return (
      <section className="panel" data-testid="portal-ticket-missing">
        <h1 tabIndex={-1}>{t('portal.notFound')}</h1>
        <Link to={back}>{t('portal.back')}</Link>
      </section>
    );
  }
  if (tk.error && !tk.data) {
    return <Alert tone="danger" actions={<button type="button" className="btn btn--small" onClick={tk.reload}>{t('app.retry')}</button>}>{describeError(tk.error, i18n)}</Alert>;
  }
  const ticket = tk.data?.ticket;
  if (!ticket || !tk.data) return <p aria-busy="true">{t('app.loading')}</p>;

  const setStatus = async (status: string) => {
    setNote(null);
    try {
      const r = await updateRecord<Ticket>(api, 'tickets', id, { status }, ticket.version, t('console.setStatus', { status: statusLabel(i18n, status), subject: ticket.subject }));
      if (r.queued) setNote(t('sync.queued'));
      else tk.setTicket(r.data);
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) tk.reload();
      setNote(describeError(e, i18n));
    }
  };

  return (
    <article className="panel portal-ticket" data-testid="portal-ticket" data-ticket={ticket.id}>
      <Link to={back}>← {t('portal.back')}</Link>
      <h1 tabIndex={-1}>{ticket.subject}</h1>
      <div className="ticket-panel__controls">
        {canSetStatus && wf ? (
          <label className="inline-field">
            <span>{t('ticket.status')}</span>
            <select value={ticket.status} onChange={(e) => void setStatus(e.target.value)}>
              {nextStatuses(wf, ticket.status).map((s) => <option key={s} value={s}>{statusLabel(i18n, s)}</option>)}
            </select>
          </label>
        ) : (
          <span className="status-pill" data-testid="status">{statusLabel(i18n, ticket.status)}</span>
        )}
        <span className="muted">{t('record.created_at')}: {i18n.dateTime(ticket.created_at)}</span>
      </div>
      {note ? <Alert tone="warning">{note}</Alert> : null}
      {ticket.description ? <p className="ticket-panel__desc">{ticket.description}</p> : null}
      <Thread
        comments={tk.data.comments}
        selfId={me?.user.id}
        // The support team speaks as one; a supplier on the ticket is named.
        nameOf={(c) => (c.author_kind && c.author_kind !== 'staff' ? c.author_name ?? null : null)}
        unknownAuthor={t('portal.team')}
        canReply
        canInternal={false}
        onEditing={onEditing}
        uploader={uploader}
        onSend={async (body, _internal, attachments) => {
          const r = await addComment(api, id, body, false, attachments);
          tk.addComment(r.data);
        }}
      />
    </article>
  );
}
