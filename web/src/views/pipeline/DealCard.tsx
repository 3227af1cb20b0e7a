// One deal on the board: draggable, and with a Move menu listing the other
// stages, so the keyboard and screen readers can do what dragging does.
import type { Activity, Deal, Pipeline } from '../../api/types';
import { Link, navigate } from '../../app/router';
import { useI18n } from '../../i18n';
import { Menu } from '../../ui/Menu';

interface Props {
  deal: Deal;
  /** The deal page's address. */
  href: string;
  owner?: string;
  contact?: string;
  company?: string;
  next?: Activity;
  pipeline: Pipeline;
  currentStage: string | null;
  canMove: boolean;
  pending: boolean;
  sending: boolean;
  onMove(stageId: string): void;
  onDragStart(): void;
  onDragEnd(): void;
}

export function DealCard({ deal, href, owner, contact, company, next, pipeline, currentStage, canMove, pending, sending, onMove, onDragStart, onDragEnd }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const overdue = next?.due_at ? new Date(next.due_at).getTime() < Date.now() : false;
  return (
    <article
      className={`card${sending ? ' card--sending' : ''}${pending ? ' card--pending' : ''}`}
      draggable={canMove}
      data-deal={deal.id}
      data-testid="deal-card"
      aria-label={deal.title}
      onDragStart={(e) => {
        e.dataTransfer.setData('text/plain', deal.id);
        e.dataTransfer.effectAllowed = 'move';
        onDragStart();
      }}
      onDragEnd={onDragEnd}
      onClick={(e) => {
        // The whole card opens the deal; its own controls keep their job.
        if ((e.target as HTMLElement).closest('a, button, [role="menu"]')) return;
        navigate(href);
      }}
    >
      <h3 className="card__title">
        <Link to={href} draggable={false}>{deal.title}</Link>
      </h3>
      <p className="card__meta">
        {typeof deal.amount === 'number' ? <span className="card__amount">{i18n.money(deal.amount, deal.currency)}</span> : null}
        {deal.expected_close ? <span className="muted"> · {t('pipeline.expected', { date: i18n.date(deal.expected_close) })}</span> : null}
      </p>
      {company || contact ? (
        <p className="card__who muted" data-testid="card-contact">
          {[contact, company].filter(Boolean).join(' · ')}
        </p>
      ) : null}
      {owner ? (
        <p className="card__owner" data-testid="card-owner">
          <span className="avatar" aria-hidden="true">{initials(owner)}</span> {owner}
        </p>
      ) : null}
      {next ? (
        <p className={`card__next${overdue ? ' card__next--overdue' : ''}`} data-testid="card-next">
          {t(overdue ? 'pipeline.nextOverdue' : 'pipeline.next', { subject: next.subject, date: i18n.date(next.due_at!) })}
        </p>
      ) : null}
      {pending ? <span className="badge badge--pending">{t('sync.pendingBadge')}</span> : null}
      {canMove ? (
        <Menu
          className="card__move"
          label={t('pipeline.move')}
          ariaLabel={t('pipeline.moveLabel', { title: deal.title })}
          items={pipeline.stages
            .filter((s) => s.id !== currentStage)
            .map((s) => ({ key: s.id, label: t('pipeline.moveTo', { stage: s.name }), onSelect: () => onMove(s.id) }))}
        />
      ) : null}
    </article>
  );
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
}
