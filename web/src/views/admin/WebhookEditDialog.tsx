// Changing an endpoint: the create form's fields in a dialog, saved whole
// with PATCH; the server's refusals shown at their fields.
import { useState } from 'react';
import { updateWebhook, type Webhook } from '../../api/webhooks';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { Dialog } from '../../ui/Dialog';
import type { Role } from './Roles';
import { WebhookFields } from './WebhookFields';
import { useWebhookSave } from './useWebhookSave';
import { draftOf } from './webhooks';

export function WebhookEditDialog({ webhook, roles, onClose, onSaved }: {
  webhook: Webhook;
  roles: Role[] | null;
  onClose(): void;
  onSaved(w: Webhook): void;
}) {
  const { t } = useI18n();
  const { api } = useServices();
  const [draft, setDraft] = useState(() => draftOf(webhook));
  const save = useWebhookSave();
  const submit = async () => {
    const saved = await save.run(draft, (input) => updateWebhook(api, webhook.id, input));
    if (saved) onSaved(saved);
  };
  return (
    <Dialog open wide title={t('webhooks.editTitle', { url: webhook.url })} onClose={onClose}
      actions={
        <>
          <button type="button" className="btn" onClick={onClose}>{t('record.cancel')}</button>
          <button type="button" className="btn btn--primary" disabled={save.busy || !draft.url.trim()} onClick={() => void submit()}>
            {t('record.save')}
          </button>
        </>
      }>
      {save.error ? <Alert tone="danger">{save.error}</Alert> : null}
      <WebhookFields draft={draft} onChange={setDraft} errors={save.fields} roles={roles} />
    </Dialog>
  );
}
