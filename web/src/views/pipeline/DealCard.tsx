// One deal on the board: draggable, and with a Move menu listing the other
// stages, so the keyboard and screen readers can do what dragging does.
import type { Deal, Pipeline } from '../../api/types';
import { useI18n } from '../../i18n';
import { Menu } from '../../ui/Menu';

interface Props {
  deal: Deal;
  pipeline: Pipeline;
  currentStage: string | null;
  canMove: boolean;
  pending: boolean;
  sending: boolean;
  onMove(stageId: string): void;
  onDragStart(): void;
  onDragEnd(): void;
}

export function DealCard({ deal, pipeline, currentStage, canMove, pending, sending, onMove, onDragStart, onDragEnd }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
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
    >
      <h3 className="card__title">{deal.title}</h3>
      <p className="card__meta">
        {typeof deal.amount === 'number' ? <span className="card__amount">{i18n.money(deal.amount, deal.currency)}</span> : null}
        {deal.expected_close ? <span className="muted"> · {t('pipeline.expected', { date: i18n.date(deal.expected_close) })}</span> : null}
      </p>
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
