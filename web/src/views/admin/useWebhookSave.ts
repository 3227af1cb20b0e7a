// Saving an endpoint's form (create or edit): what the form can tell itself
// first, then the server's refusal put at the fields it names.
import { useCallback, useState } from 'react';
import type { WebhookInput } from '../../api/webhooks';
import { useI18n } from '../../i18n';
import { inputOf, localErrors, saveProblem, type WebhookDraft } from './webhooks';

export interface WebhookSave {
  busy: boolean;
  error: string | null;
  fields: Record<string, string>;
  /** Sends the draft through `send`; its answer, or null when refused (the reasons are then shown). */
  run<T>(draft: WebhookDraft, send: (input: WebhookInput) => Promise<T>): Promise<T | null>;
  clear(): void;
}

export function useWebhookSave(): WebhookSave {
  const i18n = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const clear = useCallback(() => {
    setError(null);
    setFields({});
  }, []);
  const run = async <T>(draft: WebhookDraft, send: (input: WebhookInput) => Promise<T>) => {
    const local = localErrors(draft, i18n.t);
    if (Object.keys(local).length) {
      setFields(local);
      setError(i18n.t('webhooks.fix'));
      return null;
    }
    setBusy(true);
    clear();
    try {
      return await send(inputOf(draft));
    } catch (e) {
      const p = saveProblem(e, i18n);
      setError(p.error);
      setFields(p.fields);
      return null;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, fields, run, clear };
}
