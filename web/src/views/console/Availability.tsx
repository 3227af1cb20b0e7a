// The agent's own availability: online (offers may come), away, offline.
// Routing offers work only to agents who are online *and* connected (a
// live socket, which this tab holds), so both are shown.
import { useEffect, useId, useState } from 'react';
import { myAgent, setMyStatus, type Agent, type AgentStatus } from '../../api/support';
import { useServices, useSession } from '../../app/session';
import { useI18n, type Key } from '../../i18n';
import { describeError } from '../../ui/errors';

const STATUSES: { value: AgentStatus; label: Key }[] = [
  { value: 'online', label: 'agent.online' },
  { value: 'away', label: 'agent.away' },
  { value: 'offline', label: 'agent.offline' },
];

export function Availability() {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { connection } = useSession();
  const [agent, setAgent] = useState<Agent | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  // Read again when the socket comes up: "connected" follows it.
  useEffect(() => {
    let live = true;
    myAgent(api)
      .then((r) => live && setAgent(r.data))
      .catch((e: unknown) => live && setError(describeError(e, i18n)));
    return () => {
      live = false;
    };
  }, [api, connection]);

  const choose = async (status: AgentStatus) => {
    if (agent?.status === status) return;
    setBusy(true);
    setError(null);
    const before = agent;
    if (agent) setAgent({ ...agent, status });
    try {
      setAgent((await setMyStatus(api, status)).data);
    } catch (e) {
      setAgent(before);
      setError(describeError(e, i18n));
    } finally {
      setBusy(false);
    }
  };

  const status = agent?.status ?? 'offline';
  const receiving = status === 'online' && connection === 'open';
  return (
    <div className="availability" data-testid="availability" data-status={status}>
      <fieldset className="segmented" disabled={!agent || busy} aria-describedby={`${id}-note`}>
        <legend>{t('agent.availability')}</legend>
        {STATUSES.map((s) => (
          <label key={s.value} className={`segmented__item segmented__item--${s.value}`}>
            <input type="radio" name={`${id}-status`} value={s.value} checked={status === s.value} onChange={() => void choose(s.value)} />
            <span>{t(s.label)}</span>
          </label>
        ))}
      </fieldset>
      <p id={`${id}-note`} className="availability__note muted" role="status">
        {error ?? t(receiving ? 'agent.receiving' : status === 'online' ? 'agent.notConnected' : 'agent.noOffers')}
      </p>
    </div>
  );
}
