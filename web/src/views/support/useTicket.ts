// One ticket and its comments, live over `ticket:<id>`: the ticket's own
// events (updates, assignment, SLA alarms) and new comments (the server
// sends internal notes only to those who may read them).
import { useCallback, useState } from 'react';
import { ApiError } from '../../api/problem';
import { getRecord } from '../../api/records';
import { comments as loadComments, type Comment, type Ticket } from '../../api/support';
import { useServices } from '../../app/session';
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

  useTopic(`ticket:${id}`, {
    onEvent: (f) => {
      if (f.event === 'comment.created') addComment(f.data as unknown as Comment);
      else if (f.event === 'ticket.deleted') setDeleted(true);
      else if (f.event.startsWith('ticket.')) setTicket(f.data as unknown as Ticket);
    },
    onResync: () => data.reload(),
    onSubscribed: () => setLive(true),
  });

  const notFound = data.error instanceof ApiError && (data.error.status === 404 || data.error.status === 403);
  return { ...data, setTicket, addComment, deleted, notFound, live };
}
