// What an agent can do with a waiting ticket: accept or decline an offer
// made to them (with the time left to answer), or claim it. The server
// decides races: a lost claim is `409 already_claimed`, a finished ticket
// `422`, an offer that expired or went elsewhere `409 no_offer`.
import { useState } from 'react';
import { ApiError } from '../../api/problem';
import { acceptOffer, claim, declineOffer, type Ticket } from '../../api/support';
import { useServices } from '../../app/session';
import { useI18n, type I18n } from '../../i18n';
import { describeError } from '../../ui/errors';
import { useNow } from '../../ui/useNow';
import { offeredElsewhere, offerTo } from './queue-state';

export function actionError(e: unknown, i18n: I18n): string {
  if (e instanceof ApiError) {
    if (e.code === 'already_claimed') return i18n.t('console.alreadyClaimed');
    if (e.code === 'no_offer') return i18n.t('console.offerGone');
    if (e.status === 422) return i18n.t('console.finished');
  }
  return describeError(e, i18n);
}

interface Props {
  ticket: Ticket;
  selfId: string | undefined;
  canAssign: boolean;
  /** The ticket after the action (null: declined or lost). */
  onDone(ticket: Ticket | null, message: string): void;
  onError(message: string): void;
}

export function TicketActions({ ticket, selfId, canAssign, onDone, onError }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const now = useNow(!!ticket.offer);
  const [busy, setBusy] = useState(false);
  if (!canAssign || ticket.assignee_id) return null;
  const offer = offerTo(ticket, selfId, now);

  const run = async (what: 'claim' | 'accept' | 'decline') => {
    setBusy(true);
    try {
      if (what === 'decline') {
        await declineOffer(api, ticket.id);
        onDone(null, t('console.declined', { subject: ticket.subject }));
      } else {
        const r = await (what === 'claim' ? claim(api, ticket.id) : acceptOffer(api, ticket.id));
        onDone(r.data, t('console.claimed', { subject: ticket.subject }));
      }
    } catch (e) {
      onError(actionError(e, i18n));
    } finally {
      setBusy(false);
    }
  };

  if (offer) {
    return (
      <div className="offer-actions" data-testid="offer">
        <span className="offer-actions__left" role="timer" aria-live="off">
          {t('console.offerLeft', { time: i18n.duration(offer.left) })}
        </span>
        <button type="button" className="btn btn--small btn--primary" disabled={busy} onClick={() => void run('accept')}
          aria-label={t('console.acceptLabel', { subject: ticket.subject })}>
          {t('console.accept')}
        </button>
        <button type="button" className="btn btn--small" disabled={busy} onClick={() => void run('decline')}
          aria-label={t('console.declineLabel', { subject: ticket.subject })}>
          {t('console.decline')}
        </button>
      </div>
    );
  }
  if (offeredElsewhere(ticket, selfId, now)) {
    return <span className="muted offer-actions__elsewhere">{t('console.offeredElsewhere')}</span>;
  }
  return (
    <button type="button" className="btn btn--small" disabled={busy} onClick={() => void run('claim')}
      aria-label={t('console.claimLabel', { subject: ticket.subject })}>
      {t('console.claim')}
    </button>
  );
}
