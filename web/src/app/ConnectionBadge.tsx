// The live connection's state, always visible: a person must be able to
// tell "this board is live" from "this board may be stale".
import { useI18n, type Key } from '../i18n';
import { useNow } from '../ui/useNow';
import { useSession } from './session';

export function ConnectionBadge() {
  const { t } = useI18n();
  const { connection, online, services } = useSession();
  const reconnecting = online && connection === 'reconnecting';
  const now = useNow(reconnecting);
  const retryAt = services.realtime.retryAt;
  const secs = retryAt ? Math.max(0, Math.ceil((retryAt - now) / 1000)) : null;
  const state = !online ? 'offline' : connection === 'idle' ? 'connecting' : connection;
  const label: Record<typeof state, Key> = {
    open: 'conn.open',
    connecting: 'conn.connecting',
    reconnecting: 'conn.reconnecting',
    offline: 'conn.offline',
    closed: 'conn.closed',
  };
  return (
    <span className="conn-wrap">
      <span className={`conn conn--${state}`} role="status" aria-live="polite" data-testid="connection" data-state={state}>
        <span className="conn__dot" aria-hidden="true" />
        {t(label[state])}
        {reconnecting && secs !== null ? <span className="conn__next"> {t('conn.nextTry', { time: secs })}</span> : null}
      </span>
      {reconnecting ? (
        <button type="button" className="btn btn--small" onClick={() => services.realtime.reconnectNow()}>
          {t('conn.retryNow')}
        </button>
      ) : null}
    </span>
  );
}
