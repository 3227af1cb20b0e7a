// A value to copy, read-only (an address to register elsewhere): shown
// whole, with a Copy button and what became of the copy.
import { useRef, useState } from 'react';
import { useI18n } from '../i18n';
import { copyText } from './copy';

export function CopyText({ label, value, testId }: { label: string; value: string; testId?: string }) {
  const { t } = useI18n();
  const code = useRef<HTMLElement>(null);
  const [copied, setCopied] = useState<boolean | null>(null);
  return (
    <div className="copy-text" data-testid={testId}>
      <span className="copy-text__label">{label}</span>
      <div className="copy-text__row">
        <code ref={code} className="copy-text__value">{value}</code>
        <button type="button" className="btn btn--small" aria-label={t('copy.labelled', { label })}
          onClick={() => void copyText(value, code.current).then(setCopied)}>
          {t('webhooks.copy')}
        </button>
      </div>
      {copied !== null ? <p role="status" className="field__hint">{copied ? t('webhooks.copied') : t('webhooks.copyManually')}</p> : null}
    </div>
  );
}
