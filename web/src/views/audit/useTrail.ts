// The trail under one query, page by page: the first page when the query
// changes (or `enabled` turns on), the next one on "Load more" with the
// cursor the last page gave. A page that arrives for a query no longer
// shown is dropped.
import { useRef, useState } from 'react';
import { auditPage, type AuditEntry, type AuditQuery } from '../../api/audit';
import { useServices } from '../../app/session';
import { useLoad } from '../../ui/useLoad';

export interface Trail {
  /** null until the first page arrives (and while not enabled). */
  entries: AuditEntry[] | null;
  /** The first page's failure (a 422 names the filters at fault). */
  error: unknown;
  loading: boolean;
  hasMore: boolean;
  more: { busy: boolean; error: unknown };
  loadMore(): Promise<void>;
}

export function useTrail(query: AuditQuery, limit: number, enabled = true): Trail {
  const { api } = useServices();
  const key = JSON.stringify(query);
  const page = useLoad(
    async (signal) => {
      if (!enabled) return null;
      const p = await auditPage(api, query, null, limit, signal);
      return { key, items: p.items, next: p.next_cursor };
    },
    [api, key, limit, enabled],
  );
  const [moreOf, setMore] = useState<{ key: string; busy: boolean; error: unknown }>({ key, busy: false, error: null });
  const more = moreOf.key === key ? moreOf : { busy: false, error: null };
  const current = useRef(key);
  current.current = key;
  // Until the new query's first page is in, the old entries are not the query's.
  const data = page.data && page.data.key === key && !page.error ? page.data : null;

  const loadMore = async () => {
    if (!data?.next || more.busy) return;
    setMore({ key, busy: true, error: null });
    try {
      const p = await auditPage(api, query, data.next, limit);
      if (current.current !== key) return;
      page.set((s) => (s && s.key === key ? { ...s, items: [...s.items, ...p.items], next: p.next_cursor } : s));
      setMore({ key, busy: false, error: null });
    } catch (e) {
      setMore({ key, busy: false, error: e });
    }
  };

  return {
    entries: data?.items ?? null,
    // A failure stands until another query is asked; then that one is awaited.
    error: page.loading ? null : page.error,
    loading: page.loading,
    hasMore: !!data?.next,
    more,
    loadMore,
  };
}
