// A secret the server shows once (a webhook's signing secret, when made or
// rotated; a SCIM token): the value, a copy button, and the warning that
// it will not be shown again. It takes the focus when it appears, so
// neither the eye nor a screen reader misses it after a save further down
// the page.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { copyText } from '../../ui/copy';

export function SecretOnce({ secret, children, onDone, warning }: {
  secret: string;
  children: ReactNode;
  onDone(): void;
  /** Where to keep it; the webhook's receiver unless said. */
  warning?: string;
}) {
  const { t } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  useEffect(() => {
    box.current?.focus();
  }, [secret]);

  const copy = async () => setCopied((await copyText(secret, box.current?.querySelector('code'))) ? 'yes' : 'no');

  return (
    <div ref={box} tabIndex={-1} className="secret-once" data-testid="secret-once">
      <Alert tone="warning" actions={
        <>
          <button type="button" className="btn btn--small" onClick={() => void copy()}>{t('webhooks.copy')}</button>
          <button type="button" className="btn btn--small" onClick={onDone}>{t('webhooks.secretDone')}</button>
        </>
      }>
        {children}
        <code className="secret" data-testid="secret">{secret}</code>
        <p><strong>{warning ?? t('webhooks.secretOnce')}</strong></p>
        {copied ? <p>{copied === 'yes' ? t('webhooks.copied') : t('webhooks.copyManually')}</p> : null}
      </Alert>
    </div>
  );
}
