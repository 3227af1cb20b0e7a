// An SLA countdown: the time left on the ticket's most urgent clock (or
// one named clock), amber from the warning threshold, red once due. The
// words carry the state too, so colour is never the only signal.
import type { Sla } from '../../api/support';
import { useI18n, type Key } from '../../i18n';
import { useNow } from '../../ui/useNow';
import { clockView, urgentClock, type ClockView } from './sla';

const CLOCK_LABEL: Record<ClockView['name'], Key> = {
  first_response: 'sla.first_response',
  next_response: 'sla.next_response',
  resolution: 'sla.resolution',
};

export function clockText(v: ClockView, i18n: ReturnType<typeof useI18n>): string {
  const { t } = i18n;
  const clock = t(CLOCK_LABEL[v.name]);
  if (v.remaining === null) return t(v.tone === 'breached' ? 'sla.missed' : 'sla.met', { clock });
  const time = i18n.duration(v.remaining);
  if (v.remaining <= 0) return t('sla.overdue', { clock, time });
  return t(v.state === 'paused' ? 'sla.pausedLeft' : 'sla.left', { clock, time });
}

export function SlaBadge({ sla, compact }: { sla: Sla | null | undefined; compact?: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const now = useNow(!!sla);
  const v = urgentClock(sla, now);
  if (!v) return compact ? null : <span className="sla sla--none">{t('sla.none')}</span>;
  const text = clockText(v, i18n);
  return (
    <span className={`sla sla--${v.tone}`} data-testid="sla" data-tone={v.tone} title={text}>
      <span className="sla__dot" aria-hidden="true" />
      {compact ? (
        <>
          <span className="visually-hidden">{text}</span>
          <span aria-hidden="true">{v.remaining !== null && v.remaining <= 0 ? '−' : ''}{i18n.duration(v.remaining ?? 0)}</span>
        </>
      ) : (
        text
      )}
    </span>
  );
}

/** Every clock of a ticket, for its detail view. */
export function SlaClocks({ sla }: { sla: Sla | null | undefined }) {
  const i18n = useI18n();
  const { t } = i18n;
  const now = useNow(!!sla);
  if (!sla) return <p className="muted">{t('sla.none')}</p>;
  const names = (['first_response', 'next_response', 'resolution'] as const).filter((n) => sla[n]);
  return (
    <ul className="sla-clocks">
      {names.map((n) => {
        const v = clockView(n, sla[n]!, now);
        return (
          <li key={n} className={`sla sla--${v.tone}`} data-clock={n} data-tone={v.tone}>
            <span className="sla__dot" aria-hidden="true" />
            {clockText(v, i18n)}
          </li>
        );
      })}
    </ul>
  );
}

export function PriorityBadge({ priority }: { priority: string | undefined }) {
  const i18n = useI18n();
  const p = priority ?? 'normal';
  const key = `priority.${p}` as Key;
  return <span className={`prio prio--${p}`}>{i18n.t(key)}</span>;
}
