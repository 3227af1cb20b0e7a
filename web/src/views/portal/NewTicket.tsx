// A customer opens a ticket: subject and description. The server makes
// them its creator, which is what lets them (and only them) see it.
import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/problem';
import type { Ticket } from '../../api/support';
import { navigate } from '../../app/router';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { Field } from '../../ui/Field';

export function NewTicket({ base }: { base: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const [subject, setSubject] = useState('');
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      const body: Record<string, string> = { subject: subject.trim() };
      if (description.trim()) body.description = description.trim();
      const r = await api.request<Ticket>('POST', '/tickets', { body });
      navigate(`${base}/tickets/${r.data.id}`);
    } catch (err) {
      if (err instanceof ApiError && err.problem.errors?.length) setErrors(err.fieldErrors);
      setError(describeError(err, i18n));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel form-view">
      <h1 tabIndex={-1}>{t('portal.newTitle')}</h1>
      {error ? <Alert tone="danger">{error}</Alert> : null}
      <form onSubmit={submit} noValidate>
        <Field label={t('ticket.subject')} error={errors.subject} required>
          <input value={subject} onChange={(e) => setSubject(e.target.value)} maxLength={300} required />
        </Field>
        <Field label={t('ticket.description')} error={errors.description} hint={t('portal.describeHint')}>
          <textarea rows={6} value={description} onChange={(e) => setDescription(e.target.value)} maxLength={20000} />
        </Field>
        <div className="form-actions">
          <button type="submit" className="btn btn--primary" disabled={busy || !subject.trim()}>{t('portal.submit')}</button>
        </div>
      </form>
    </section>
  );
}
