// "Sign in with a passkey" on the sign-in page, without a password: the
// server's challenge (any of the workspace's passkeys may answer; the
// passkey names its person), the browser's dialog, the answer back for a
// token pair. The pair is the sign-in page's to keep (the session's own
// `signIn`, as after a password), and so is every failure.
import { useState } from 'react';
import { finishPasskeySignIn, getCredential, startPasskeySignIn } from '../../api/passkeys';
import type { TokenPair } from '../../api/types';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';

export function PasskeySignIn({ onStart, onPair, onError, disabled = false }: {
  onStart(): void;
  onPair(pair: TokenPair): Promise<void>;
  onError(e: unknown): void;
  disabled?: boolean;
}) {
  const { t } = useI18n();
  const { api } = useServices();
  const [busy, setBusy] = useState(false);

  const go = async () => {
    onStart();
    setBusy(true);
    try {
      const ceremony = await startPasskeySignIn(api);
      const credential = await getCredential(ceremony.options);
      await onPair(await finishPasskeySignIn(api, ceremony.flow_id, credential));
    } catch (e) {
      onError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <button type="button" className="btn btn--block" disabled={busy || disabled} aria-busy={busy || undefined} onClick={() => void go()}
      data-testid="passkey-sign-in">
      {busy ? t('passkey.waiting') : t('passkey.signIn')}
    </button>
  );
}
