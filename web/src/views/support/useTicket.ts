// One ticket and its comments, live over `ticket:<id>`: the ticket's own
// events (updates, assignment, SLA alarms) and new comments (the server
// sends internal notes only to those who may read them). A ticket deleted
// meanwhile is marked; one erased (its requester's right to erasure) is
// dropped from memory and said; an erased or deleted comment leaves the
// conversation. One anonymised by a retention rule replaces what is shown
// and loses its conversation (the server deleted every comment). A file
// deleted from the ticket leaves the comment it was attached to.
import { useCallback, useState } from 'react';
import { ApiError } from '../../api/problem';
import { getRecord } from '../../api/records';
import { comments as loadComments, type Comment, type Ticket } from '../../api/support';
import { useServices } from '../../app/session';
import { isAnonymised, liveRecord } from '../../realtime/anonymised';
import { eventId, isErased, isGone } from '../../realtime/gone';
import { useTopic } from '../../realtime/hooks';
import { useLiveLoad } from '../../ui/useLoad';

export interface TicketData {
  ticket: Ticket;
  comments: Comment[];
  fromCache: boolean;
}

export function useTicket(id: string) {
  const { api } = useServices();
  const [deleted, setDeleted] = useState(false);
  const [erased, setErased] = useState(false);
  const [live, setLive] = useState(false);
  const data = useLiveLoad<TicketData>(
    async (signal) => {
      const [t, c] = await Promise.all([getRecord<Ticket>(api, 'tickets', id, signal), loadComments(api, id, signal)]);
      return { ticket: { ...t.data, version: t.version ?? t.data.version }, comments: c, fromCache: t.fromCache };
    },
    [api, id],
  );

  const apply = data.apply;
  const setTicket = useCallback(
    (t: Ticket) => apply((s) => (t.version >= s.ticket.version ? { ...s, ticket: t } : s)),
    [apply],
  );

  const addComment = useCallback(
    (c: Comment) =>
      apply((s) =>
        !s.comments.some((x) => x.id === c.id)
          ? { ...s, comments: [...s.comments, c].sort((a, b) => a.created_at.localeCompare(b.created_at)) }
          : s,
      ),
    [apply],
  );

  const dropComment = useCallback(
    (cid: string) => apply((s) => (s.comments.some((x) => x.id === cid) ? { ...s, comments: s.comments.filter((x) => x.id !== cid) } : s)),
    [apply],
  );

  const dropAttachment = useCallback(
    (fid: string) =>
      apply((s) =>
        s.comments.some((c) => c.attachments?.some((a) => a.id === fid))
          ? { ...s, comments: s.comments.map((c) => (c.attachments?.some((a) => a.id === fid) ? { ...c, attachments: c.attachments.filter((a) => a.id !== fid) } : c)) }
          : s,
      ),
    [apply],
  );

  useTopic(`ticket:${id}`, {
    onEvent: (f) => {
      const ticketEvent = f.event.startsWith('ticket.');
      if (ticketEvent && isErased(f)) {
        setErased(true);
        data.set(() => null);
      } else if (ticketEvent && isGone(f)) setDeleted(true);
      else if (ticketEvent && isAnonymised(f)) {
        const tk = liveRecord<Ticket>(f.data);
        // A server that overwrote its older events as an erasure's had a
        // replay read it as erased first (realtime/anonymised.ts): the
        // ticket is back, without comments.
        setErased(false);
        data.set((s) => s ?? { ticket: tk, comments: [], fromCache: false });
        if (f.event === 'ticket.anonymised') apply((s) => ({ ...s, comments: [] }));
        setTicket(tk);
      } else if (ticketEvent) setTicket(f.data as unknown as Ticket);
      else if (f.event.startsWith('comment.') && isGone(f)) {
        const cid = eventId(f);
        if (cid) dropComment(cid);
      } else if (f.event === 'comment.created') addComment(f.data as unknown as Comment);
      else if (f.event === 'file.removed') {
        const fid = eventId(f);
        if (fid) dropAttachment(fid);
      }
    },
    onResync: () => data.reload(),
    onSubscribed: () => setLive(true),
  });

  const notFound = data.error instanceof ApiError && (data.error.status === 404 || data.error.status === 403);
  return { ...data, setTicket, addComment, deleted, erased, notFound, live };
}
