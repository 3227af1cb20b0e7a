// An endpoint's fields, for the create form and the edit dialog alike:
// address, description, which events (all by default; else whole kinds
// ticked and exact types typed), topics, and the role the payloads are
// read as. The server's word on each field is shown beside it.
import { useId } from 'react';
import { useI18n, type Key } from '../../i18n';
import { Field } from '../../ui/Field';
import type { Role } from './Roles';
import { roleLabel } from './permissions';
import { EVENT_KINDS, type EventChoice, type WebhookDraft } from './webhooks';

interface Props {
  draft: WebhookDraft;
  onChange(next: WebhookDraft): void;
  /** Field errors by the server's field names (`url`, `event_types`, …). */
  errors: Record<string, string>;
  roles: Role[] | null;
}

export function WebhookFields({ draft: d, onChange, errors, roles }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const id = useId();
  const events = (next: Partial<EventChoice>) => onChange({ ...d, events: { ...d.events, ...next } });
  // The saved role stays offered even if the list has not come (or no longer has it).
  const known = roles ?? [];
  const choices = known.some((r) => r.name === d.role) ? known : [{ name: d.role, builtin: false } as Role, ...known];
  return (
    <>
      <div className="form-grid">
        <Field label={t('webhooks.url')} required error={errors.url} hint={t('webhooks.urlHint')}>
          <input type="url" inputMode="url" autoComplete="off" spellCheck={false} value={d.url}
            placeholder="https://example.com/hooks/mandant" onChange={(e) => onChange({ ...d, url: e.target.value })} />
        </Field>
        <Field label={t('webhooks.description')} error={errors.description}>
          <input value={d.description} maxLength={500} onChange={(e) => onChange({ ...d, description: e.target.value })} />
        </Field>
        <Field label={t('webhooks.role')} error={errors.role} hint={t('webhooks.roleHint')}>
          <select value={d.role} onChange={(e) => onChange({ ...d, role: e.target.value })}>
            {choices.map((r) => <option key={r.name} value={r.name}>{roleLabel(i18n, r.name, r.builtin ?? false)}</option>)}
          </select>
        </Field>
      </div>
      <fieldset className="field checks webhook-events" aria-describedby={errors.event_types ? `${id}-events-err` : undefined}>
        <legend>{t('webhooks.events')}</legend>
        <label className="check">
          <input type="checkbox" checked={d.events.all} onChange={(e) => events({ all: e.target.checked })} />
          {t('webhooks.allEvents')}
        </label>
        {d.events.all ? null : (
          <>
            {EVENT_KINDS.map((k) => (
              <label key={k} className="check">
                <input type="checkbox" checked={d.events.kinds.includes(k)}
                  onChange={(e) => events({ kinds: e.target.checked ? [...d.events.kinds, k] : d.events.kinds.filter((x) => x !== k) })} />
                {t(`webhooks.kind_${k}` as Key)} <code>{k}.*</code>
              </label>
            ))}
            <Field label={t('webhooks.otherEvents')} hint={t('webhooks.otherEventsHint')}>
              <input value={d.events.other} spellCheck={false} placeholder="contact.created, ticket.updated"
                onChange={(e) => events({ other: e.target.value })} />
            </Field>
          </>
        )}
        {errors.event_types ? <p id={`${id}-events-err`} className="field__error">{errors.event_types}</p> : null}
      </fieldset>
      <Field label={t('webhooks.topics')} error={errors.topics} hint={t('webhooks.topicsHint')}>
        <input value={d.topics} spellCheck={false} placeholder="queue:…, pipeline:…, contacts" onChange={(e) => onChange({ ...d, topics: e.target.value })} />
      </Field>
    </>
  );
}
