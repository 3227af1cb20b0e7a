// "Send invitation again" on a user's row: a new link to set a password
// (earlier ones stop working). The outcome is kept as what happened and
// put in words when shown, so a language switch reaches it too.
import { useState } from 'react';
import { inviteUser } from '../../api/account';
import { ApiError } from '../../api/problem';
import { useServices } from '../../app/session';
import type { I18n } from '../../i18n';
import { describeError } from '../../ui/errors';

export type InviteOutcome = { ok: true } | { ok: false; error: unknown };

export interface InviteState {
  busy: boolean;
  outcome: InviteOutcome | null;
  send(): Promise<void>;
  dismiss(): void;
}

export function useInvite(userId: string): InviteState {
  const { api } = useServices();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<InviteOutcome | null>(null);
  const send = async () => {
    setBusy(true);
    setOutcome(null);
    try {
      await inviteUser(api, userId);
      setOutcome({ ok: true });
    } catch (error) {
      setOutcome({ ok: false, error });
    } finally {
      setBusy(false);
    }
  };
  return { busy, outcome, send, dismiss: () => setOutcome(null) };
}

/**
 * Why an invitation was not sent. The server's refusals today: `403` for
 * someone who holds more than the admin, `409` for a disabled account.
 */
export function inviteError(i18n: I18n, error: unknown): string {
  if (error instanceof ApiError && error.status === 403) return i18n.t('users.inviteForbidden');
  if (error instanceof ApiError && error.status === 409) return i18n.t('users.inviteDisabled');
  return i18n.t('users.inviteFailed', { detail: describeError(error, i18n) });
}
