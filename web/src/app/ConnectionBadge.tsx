// The live connection's state, always visible: a person must be able to
// tell "this board is live" from "this board may be stale".
import { useI18n, type Key } from '../i18n';
import { useSession } from './session';

export function ConnectionBadge() {
  const { t } = useI18n();
  const { connection, online } = useSession();
  const state = !online ? 'offline' : connection === 'idle' ? 'connecting' : connection;
  const label: Record<typeof state, Key> = {
    open: 'conn.open',
    connecting: 'conn.connecting',
    reconnecting: 'conn.reconnecting',
    offline: 'conn.offline',
    closed: 'conn.closed',
  };
  return (
    <span className={`conn conn--${state}`} role="status" aria-live="polite" data-testid="connection" data-state={state}>
      <span className="conn__dot" aria-hidden="true" />
      {t(label[state])}
    </span>
  );
}
