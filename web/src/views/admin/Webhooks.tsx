// Webhooks: addresses that receive the workspace's events as signed POSTs
// (Standard Webhooks). The list shows each endpoint and its state; with
// `webhooks:write` one can add endpoints and act on them. A new endpoint's
// signing secret is shown once, here, with a copy button: the server keeps
// no way to show it again. When the server switches off an endpoint that
// kept failing, it says so on every socket (`changed: webhooks`) and the
// list is read again.
import { useState, type FormEvent } from 'react';
import type { Page } from '../../api/types';
import { createWebhook, listWebhooks, type Webhook } from '../../api/webhooks';
import { useServices, useSession } from '../../app/session';
import { useI18n } from '../../i18n';
import { useChanged } from '../../realtime/hooks';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { useLoad } from '../../ui/useLoad';
import { AdminPage } from './kit';
import type { Role } from './Roles';
import { SecretOnce } from './SecretOnce';
import { WebhookCard } from './WebhookCard';
import { WebhookFields } from './WebhookFields';
import { useWebhookSave } from './useWebhookSave';
import { newDraft } from './webhooks';

export function Webhooks({ tenant }: { tenant: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { can } = useSession();
  const canWrite = can('webhooks:write');
  const list = useLoad((signal) => listWebhooks(api, signal), [api]);
  const roles = useLoad(async (signal) => (await api.get<Page<Role>>('/roles', undefined, signal)).data.items, [api]);
  const [draft, setDraft] = useState(() => newDraft());
  const [fresh, setFresh] = useState<{ url: string; secret: string } | null>(null);
  const save = useWebhookSave();
  useChanged('webhooks', list.reload);

  const put = (w: Webhook) => list.set((ws) => ws?.map((x) => (x.id === w.id ? w : x)) ?? ws);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const made = await save.run(draft, (input) => createWebhook(api, input));
    if (!made) return;
    const { secret, ...webhook } = made;
    setFresh({ url: webhook.url, secret });
    setDraft(newDraft(draft.role));
    list.set((ws) => [...(ws ?? []).filter((x) => x.id !== webhook.id), webhook]);
  };

  return (
    <AdminPage tenant={tenant} title={t('admin.webhooks')} intro={t('admin.webhooksAbout')}>
      {fresh ? (
        <SecretOnce secret={fresh.secret} onDone={() => setFresh(null)}>
          <p>{t('webhooks.created', { url: fresh.url })}</p>
        </SecretOnce>
      ) : null}
      {list.error ? <Alert tone="danger">{describeError(list.error, i18n)}</Alert> : null}
      {list.data === null && !list.error ? <p aria-busy="true">{t('app.loading')}</p> : null}
      {list.data?.length === 0 ? <p className="muted">{t('webhooks.empty')}</p> : null}
      {list.data?.length ? (
        <ul className="webhooks" aria-label={t('webhooks.list')}>
          {list.data.map((w) => (
            <WebhookCard key={w.id} webhook={w} canWrite={canWrite} roles={roles.data} onChange={put}
              onDeleted={(id) => list.set((ws) => ws?.filter((x) => x.id !== id) ?? ws)} />
          ))}
        </ul>
      ) : null}
      {canWrite ? (
        <section className="panel" aria-labelledby="new-webhook-h">
          <h2 id="new-webhook-h">{t('webhooks.new')}</h2>
          <p className="muted">{t('webhooks.newAbout')}</p>
          <form onSubmit={submit}>
            {save.error ? <Alert tone="danger">{save.error}</Alert> : null}
            <WebhookFields draft={draft} onChange={setDraft} errors={save.fields} roles={roles.data} />
            <div className="form-actions">
              <button type="submit" className="btn btn--primary" disabled={save.busy || !draft.url.trim()}>{t('webhooks.create')}</button>
            </div>
          </form>
        </section>
      ) : null}
    </AdminPage>
  );
}
