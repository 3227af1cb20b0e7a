// A ticket opened by an agent (a phone call, an e-mail forwarded by hand):
// subject, description, priority, queue and, if known, the contact who
// asked. The new ticket opens beside the queue.
import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/problem';
import { createRecord } from '../../api/records';
import { PRIORITIES, type Queue, type Ticket } from '../../api/support';
import type { Contact } from '../../api/types';
import { listAll } from '../../api/records';
import { useServices, useSession } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { Dialog } from '../../ui/Dialog';
import { describeError } from '../../ui/errors';
import { Field } from '../../ui/Field';
import { useLoad } from '../../ui/useLoad';
import { priorityLabel } from '../support/labels';

interface Props {
  queues: Queue[];
  queueId?: string;
  onClose(): void;
  onCreated(t: Ticket | null): void;
}

export function NewTicket({ queues, queueId, onClose, onCreated }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { can } = useSession();
  const [subject, setSubject] = useState('');
  const [description, setDescription] = useState('');
  const [priority, setPriority] = useState('normal');
  const [queue, setQueue] = useState(queueId ?? queues[0]?.id ?? '');
  const [requester, setRequester] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [summary, setSummary] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const contacts = useLoad(
    async () => (can('contacts:read') ? (await listAll<Contact>(api, 'contacts', { sort: 'last_name' }, 1000)).items : []),
    [api],
  );

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setSummary(null);
    const body = {
      subject: subject.trim(),
      priority,
      ...(description.trim() ? { description: description.trim() } : {}),
      ...(queue ? { queue_id: queue } : {}),
      ...(requester ? { requester_id: requester } : {}),
    };
    try {
      const r = await createRecord<Ticket>(api, 'tickets', body, `${t('console.newTicket')}: ${body.subject}`);
      onCreated(r.queued ? null : r.data);
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) {
        setErrors(err.fieldErrors);
        setSummary(err.detail || t('record.fixErrors'));
      } else setSummary(describeError(err, i18n));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open title={t('console.newTicket')} onClose={onClose}>
      <form className="record-form" onSubmit={submit} noValidate aria-label={t('console.newTicket')}>
        {summary ? <Alert tone="danger">{summary}</Alert> : null}
        <Field label={t('ticket.subject')} error={errors.subject} required>
          <input value={subject} onChange={(e) => setSubject(e.target.value)} autoFocus />
        </Field>
        <Field label={t('ticket.description')} error={errors.description}>
          <textarea rows={4} value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        <Field label={t('ticket.priority')} error={errors.priority}>
          <select value={priority} onChange={(e) => setPriority(e.target.value)}>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {priorityLabel(i18n, p)}
              </option>
            ))}
          </select>
        </Field>
        {queues.length ? (
          <Field label={t('console.queue')} error={errors.queue_id}>
            <select value={queue} onChange={(e) => setQueue(e.target.value)}>
              {queues.map((q) => (
                <option key={q.id} value={q.id}>
                  {q.name}
                </option>
              ))}
            </select>
          </Field>
        ) : null}
        {contacts.data?.length ? (
          <Field label={t('ticket.requester')} error={errors.requester_id}>
            <select value={requester} onChange={(e) => setRequester(e.target.value)}>
              <option value="">{t('record.none')}</option>
              {contacts.data.map((c) => (
                <option key={c.id} value={c.id}>
                  {[c.first_name, c.last_name].filter(Boolean).join(' ')}
                  {c.email ? ` (${c.email})` : ''}
                </option>
              ))}
            </select>
          </Field>
        ) : null}
        <div className="form-actions">
          <button type="submit" className="btn btn--primary" disabled={busy || !subject.trim()}>
            {t('record.create')}
          </button>
          <button type="button" className="btn" onClick={onClose}>
            {t('record.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
