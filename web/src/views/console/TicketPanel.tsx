// One ticket in the console: its fields, SLA clocks, status and priority,
// tags, claim or offer actions, the conversation with public replies and
// internal notes, who else has it open (presence: viewing, or editing
// while they write), and beside it the customer who asked. A legal hold
// shows as a banner (placed and lifted here by whoever may); a ticket
// erased while open is said, not shown. Files go with a reply or note (as
// public or internal as it), and the ticket's files are listed under the
// conversation. Who may read the audit trail sees the ticket's History at
// the foot.
import { useCallback, useMemo, useState } from 'react';
import type { HoldAnswer } from '../../api/privacy';
import { ApiError } from '../../api/problem';
import { getRecord, updateRecord } from '../../api/records';
import { addComment, nextStatuses, PRIORITIES, type Queue, type Ticket, type Workflow } from '../../api/support';
import type { Contact } from '../../api/types';
import { Link } from '../../app/router';
import { hiddenFields, useServices, useSession } from '../../app/session';
import { useI18n } from '../../i18n';
import { usePresence } from '../../realtime/hooks';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { useLoad } from '../../ui/useLoad';
import { priorityLabel, statusLabel } from '../support/labels';
import { PriorityBadge, SlaClocks } from '../support/SlaBadge';
import { Thread } from '../support/Thread';
import { TagEditor } from '../support/Tags';
import { useTicket } from '../support/useTicket';
import { HoldBanner, PlaceHold, withHold } from '../privacy/LegalHold';
import { AnonymisedNotice } from '../privacy/AnonymisedNotice';
import { RecordHistory } from '../audit/RecordHistory';
import { AttachmentsPanel } from '../files/AttachmentsPanel';
import { recordUploader } from '../files/uploaders';
import { useUploadLimit } from '../files/useStorage';
import { CannedReplyPicker } from './CannedReplyPicker';
import { contactName } from './customer';
import { CustomerSidebar } from './CustomerSidebar';
import { ShareWith } from './ShareWith';
import { TicketActions } from './TicketActions';

interface Props {
  tenant: string;
  id: string;
  queues: Queue[];
  wf: Workflow | null;
  names: Map<string, string>;
  back: string;
  /** Where another ticket opens (same console view). */
  ticketHref(id: string): string;
}

export function TicketPanel({ tenant, id, queues, wf, names, back, ticketHref }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { me, can } = useSession();
  const selfId = me?.user.id;
  const tk = useTicket(id);
  const [editing, setEditing] = useState(false);
  const [note, setNote] = useState<{ tone: 'success' | 'danger' | 'warning'; text: string } | null>(null);
  const others = usePresence(`ticket:${id}`, editing ? 'editing' : 'viewing', selfId);
  const onEditing = useCallback((e: boolean) => setEditing(e), []);
  const ticket = tk.data?.ticket;
  const uploadLimit = useUploadLimit();
  const uploader = useMemo(() => recordUploader(api, 'ticket', id, uploadLimit), [api, id, uploadLimit]);
  const requester = useLoad<Contact | null>(
    async (signal) =>
      ticket?.requester_id && can('contacts:read')
        ? (await getRecord<Contact>(api, 'contacts', ticket.requester_id, signal)).data
        : null,
    [api, ticket?.requester_id],
  );

  if (tk.erased) {
    return (
      <section className="panel ticket-panel" data-testid="record-erased">
        <h2 tabIndex={-1}>{t('record.erased')}</h2>
        <Link to={back}>{t('console.backToQueue')}</Link>
      </section>
    );
  }
  if (tk.notFound) {
    return (
      <section className="panel ticket-panel">
        <h2 tabIndex={-1}>{t('record.notFound')}</h2>
        <Link to={back}>{t('console.backToQueue')}</Link>
      </section>
    );
  }
  if (tk.error && !tk.data) {
    return (
      <Alert tone="danger" actions={<button type="button" className="btn btn--small" onClick={tk.reload}>{t('app.retry')}</button>}>
        {describeError(tk.error, i18n)}
      </Alert>
    );
  }
  if (!ticket || !tk.data) return <p aria-busy="true">{t('app.loading')}</p>;

  const canWrite = can('tickets:write');
  const holdChanged = (answer: HoldAnswer) => {
    tk.setTicket(withHold(ticket, answer));
    setNote({ tone: 'success', text: t(answer.legal_hold ? 'hold.placed' : 'hold.lifted') });
  };
  const tagsHidden = hiddenFields(me, 'tickets:read').includes('tags');
  const change = async (patch: Partial<Ticket>, label: string) => {
    setNote(null);
    try {
      const r = await updateRecord<Ticket>(api, 'tickets', id, patch, ticket.version, label);
      if (r.queued) setNote({ tone: 'warning', text: t('sync.queued') });
      else tk.setTicket({ ...r.data, version: r.version ?? r.data.version });
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) {
        setNote({ tone: 'warning', text: t('console.changedMeanwhile') });
        tk.reload();
      } else setNote({ tone: 'danger', text: describeError(e, i18n) });
    }
  };

  // A colleague's name: from /users (as far as this person may read it),
  // else from who is on the ticket now, else from what they wrote on it.
  const nameOf = (uid: string | null | undefined) =>
    !uid
      ? null
      : uid === selfId
        ? t('thread.you')
        : names.get(uid) ?? others.find((m) => m.user_id === uid)?.name ?? tk.data?.comments.find((c) => c.author_id === uid && c.author_name)?.author_name ?? null;
  const queue = queues.find((q) => q.id === ticket.queue_id);
  const statuses = wf ? nextStatuses(wf, ticket.status) : [ticket.status];
  const viewing = others.filter((m) => m.state === 'viewing');
  const writing = others.filter((m) => m.state === 'editing');

  return (
    <article className="panel ticket-panel" aria-labelledby="ticket-h" data-testid="ticket" data-ticket={ticket.id} data-live={tk.live}>
      <Link to={back} className="ticket-panel__back">← {t('console.backToQueue')}</Link>
      <header className="ticket-panel__head">
        <h2 id="ticket-h" tabIndex={-1}>{ticket.subject}</h2>
        <PriorityBadge priority={ticket.priority} />
      </header>
      <div className="presence" data-testid="presence" role="status" aria-live="polite">
        {writing.length ? <span data-state="editing">{t('record.editing', { names: writing.map((m) => m.name).join(', ') })}</span> : null}
        {writing.length && viewing.length ? ' · ' : null}
        {viewing.length ? <span data-state="viewing">{t('record.viewing', { names: viewing.map((m) => m.name).join(', ') })}</span> : null}
      </div>
      {tk.deleted ? <Alert tone="warning">{t('console.deleted')}</Alert> : null}
      <HoldBanner hold={ticket.legal_hold} kind="tickets" id={ticket.id} onChanged={holdChanged} />
      <AnonymisedNotice kind="ticket" mark={ticket.anonymised} />
      {note ? <Alert tone={note.tone}>{note.text}</Alert> : null}

      <div className="ticket-panel__controls">
        <label className="inline-field">
          <span>{t('ticket.status')}</span>
          <select value={ticket.status} disabled={!canWrite}
            onChange={(e) => void change({ status: e.target.value }, t('console.setStatus', { status: statusLabel(i18n, e.target.value), subject: ticket.subject }))}>
            {statuses.map((s) => <option key={s} value={s}>{statusLabel(i18n, s)}</option>)}
          </select>
        </label>
        <label className="inline-field">
          <span>{t('ticket.priority')}</span>
          <select value={ticket.priority ?? 'normal'} disabled={!canWrite}
            onChange={(e) => void change({ priority: e.target.value as Ticket['priority'] }, t('console.setPriority', { priority: priorityLabel(i18n, e.target.value), subject: ticket.subject }))}>
            {PRIORITIES.map((p) => <option key={p} value={p}>{priorityLabel(i18n, p)}</option>)}
          </select>
        </label>
        <PlaceHold held={!!ticket.legal_hold} kind="tickets" id={ticket.id} name={ticket.subject} onChanged={holdChanged} className="btn btn--small" />
        <TicketActions ticket={ticket} selfId={selfId} canAssign={can('tickets:assign')}
          onDone={(done, message) => {
            if (done) tk.setTicket(done);
            setNote({ tone: 'success', text: message });
          }}
          onError={(text) => {
            setNote({ tone: 'danger', text });
            tk.reload();
          }}
        />
      </div>

      <div className="ticket-panel__body">
        <div className="ticket-panel__main">
          <dl className="fields">
            <div className="fields__row"><dt>{t('ticket.assignee')}</dt><dd data-testid="assignee">{ticket.assignee_id ? nameOf(ticket.assignee_id) ?? t('ticket.someone') : t('ticket.unassigned')}</dd></div>
            <div className="fields__row"><dt>{t('ticket.queue')}</dt><dd>{queue?.name ?? t('record.none')}</dd></div>
            <div className="fields__row"><dt>{t('ticket.requester')}</dt><dd>
              {requester.data ? (
                <Link to={`/t/${tenant}/contacts/${requester.data.id}`}>{contactName(requester.data) || t('contact.title')}</Link>
              ) : t('record.none')}
            </dd></div>
            <div className="fields__row"><dt>{t('record.created_at')}</dt><dd>{i18n.dateTime(ticket.created_at)}</dd></div>
            <div className="fields__row fields__row--wide"><dt>{t('ticket.sla')}</dt><dd><SlaClocks sla={ticket.sla} /></dd></div>
          </dl>
          {/* A record without tags has no `tags` at all; a role that hides them gets no editor. */}
          {!tagsHidden ? (
            <TagEditor tags={ticket.tags ?? []} canEdit={canWrite}
              onChange={(tags) => change({ tags }, t('tags.saveLabel', { subject: ticket.subject }))} />
          ) : null}
        </div>
        <CustomerSidebar tenant={tenant} ticket={ticket} requester={requester.data ?? null} ticketHref={ticketHref} />
      </div>
      {ticket.description ? <p className="ticket-panel__desc">{ticket.description}</p> : null}
      <ShareWith ticket={ticket} onSaved={tk.setTicket} onConflict={tk.reload} />

      <Thread
        comments={tk.data.comments}
        selfId={selfId}
        nameOf={(c) =>
          nameOf(c.author_id) ??
          // Not a team mate we can name: the requester, or (only staff
          // write internal notes) a colleague.
          (requester.data?.user_id === c.author_id
            ? contactName(requester.data)
            : c.author_name ?? (c.internal ? t('thread.colleague') : null))
        }
        unknownAuthor={t('thread.someone')}
        canReply={canWrite}
        canInternal={can('tickets:internal')}
        onEditing={onEditing}
        tools={(insert) => <CannedReplyPicker ticketId={ticket.id} onInsert={insert} />}
        uploader={canWrite ? uploader : undefined}
        onSend={async (body, internal, attachments) => {
          const r = await addComment(api, id, body, internal, attachments);
          tk.addComment(r.data);
        }}
      />
      <AttachmentsPanel kind="ticket" recordId={ticket.id} canWrite={canWrite} hint={t('files.ticketHint')} />
      <RecordHistory tenant={tenant} recordId={ticket.id} />
    </article>
  );
}
