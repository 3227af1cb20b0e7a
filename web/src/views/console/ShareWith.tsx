// Sharing a ticket with suppliers (`shared_with`): they then see it in
// their portal, reply on it and move its status. Shown only to people who
// can see the tenant's suppliers.
import { useState } from 'react';
import { ApiError } from '../../api/problem';
import { updateRecord } from '../../api/records';
import type { Ticket } from '../../api/support';
import type { Page } from '../../api/types';
import { useServices, useSession } from '../../app/session';
import { useI18n } from '../../i18n';
import { describeError } from '../../ui/errors';
import { useLoad } from '../../ui/useLoad';
import type { UserSummary } from '../support/hooks';

export function ShareWith({ ticket, onSaved, onConflict }: { ticket: Ticket; onSaved(t: Ticket): void; onConflict(): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { can } = useSession();
  const allowed = can('users:read') && can('tickets:write');
  const suppliers = useLoad(
    async () => (allowed ? (await api.get<Page<UserSummary>>('/users', { limit: 200 })).data.items.filter((u) => u.kind === 'supplier') : []),
    [api, allowed],
  );
  const [error, setError] = useState<string | null>(null);
  if (!suppliers.data?.length) return null;
  const shared = ticket.shared_with ?? [];

  const toggle = async (id: string, on: boolean) => {
    setError(null);
    const next = on ? [...shared, id] : shared.filter((x) => x !== id);
    try {
      const r = await updateRecord<Ticket>(api, 'tickets', ticket.id, { shared_with: next }, ticket.version, t('share.label', { subject: ticket.subject }));
      if (!r.queued) onSaved(r.data);
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) onConflict();
      setError(describeError(e, i18n));
    }
  };

  return (
    <details className="share">
      <summary>{t('share.title', { count: shared.filter((id) => suppliers.data!.some((s) => s.id === id)).length })}</summary>
      <fieldset className="field checks">
        <legend className="visually-hidden">{t('share.legend')}</legend>
        {suppliers.data.map((s) => (
          <label key={s.id} className="check">
            <input type="checkbox" checked={shared.includes(s.id)} onChange={(e) => void toggle(s.id, e.target.checked)} />
            {s.name}
          </label>
        ))}
      </fieldset>
      {error ? <p className="field__error" role="alert">{error}</p> : null}
    </details>
  );
}
