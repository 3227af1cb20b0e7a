// One search across the kinds a person may read (contacts, companies,
// deals, tickets): the server's full-text `q=` on each list, the first
// hits of each, linked to their pages. The address holds the words
// (`/search?q=…`), so the browser's back button returns to the results.
import { useEffect, useState, type FormEvent } from 'react';
import { list, type KindPath } from '../../api/records';
import type { Ticket } from '../../api/support';
import type { Company, Contact, Deal } from '../../api/types';
import { navigate, Link, useSearchParams } from '../../app/router';
import { useServices, useSession } from '../../app/session';
import { useI18n, type Key } from '../../i18n';
import { describeError } from '../../ui/errors';
import { useLoad } from '../../ui/useLoad';

const LIMIT = 10;

interface Kind {
  path: KindPath;
  title: Key;
  perm: string;
  feature: string;
  name(r: unknown): string;
  href(base: string, r: { id: string }): string;
  more?(base: string, q: string): string;
}

export const SEARCH_KINDS: Kind[] = [
  {
    path: 'contacts', title: 'nav.contacts', perm: 'contacts:read', feature: 'crm',
    name: (r) => { const c = r as Contact; return [c.first_name, c.last_name].filter(Boolean).join(' ') + (c.email ? ` · ${c.email}` : ''); },
    href: (b, r) => `${b}/contacts/${r.id}`, more: (b, q) => `${b}/contacts?q=${encodeURIComponent(q)}`,
  },
  {
    path: 'companies', title: 'nav.companies', perm: 'companies:read', feature: 'crm',
    name: (r) => (r as Company).name, href: (b, r) => `${b}/companies/${r.id}`, more: (b, q) => `${b}/companies?q=${encodeURIComponent(q)}`,
  },
  { path: 'deals', title: 'search.deals', perm: 'deals:read', feature: 'sales', name: (r) => (r as Deal).title, href: (b, r) => `${b}/deals/${r.id}` },
  {
    path: 'tickets', title: 'search.tickets', perm: 'tickets:read', feature: 'support',
    name: (r) => (r as Ticket).subject, href: (b, r) => `${b}/console/${r.id}`, more: (b, q) => `${b}/console?view=all&q=${encodeURIComponent(q)}`,
  },
];

/** The search box in the top bar. */
export function SearchBox({ tenant }: { tenant: string }) {
  const { t } = useI18n();
  const [sp] = useSearchParams();
  const onSearch = location.pathname === `/t/${tenant}/search`;
  const [q, setQ] = useState(onSearch ? sp.get('q') ?? '' : '');
  useEffect(() => {
    if (onSearch) setQ(sp.get('q') ?? '');
  }, [onSearch, sp.get('q')]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (q.trim()) navigate(`/t/${tenant}/search?q=${encodeURIComponent(q.trim())}`);
  };
  return (
    <form role="search" className="topbar__search" onSubmit={submit} aria-label={t('search.title')}>
      <input type="search" value={q} onChange={(e) => setQ(e.target.value)} aria-label={t('search.label')} placeholder={t('search.placeholder')} />
    </form>
  );
}

export function Search({ tenant, features }: { tenant: string; features?: Record<string, boolean> }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { can } = useSession();
  const [sp] = useSearchParams();
  const q = (sp.get('q') ?? '').trim();
  const base = `/t/${tenant}`;
  const kinds = SEARCH_KINDS.filter((k) => can(k.perm) && features?.[k.feature] !== false);
  const results = useLoad(
    async (signal) =>
      q
        ? Promise.all(
            kinds.map(async (k) => {
              try {
                const r = await list<{ id: string }>(api, k.path, { q, limit: LIMIT }, signal);
                return { kind: k, items: r.data.items, more: r.data.next_cursor !== null, error: null as unknown };
              } catch (error) {
                return { kind: k, items: [], more: false, error };
              }
            }),
          )
        : [],
    [api, q, kinds.map((k) => k.path).join()],
  );
  const total = results.data?.reduce((n, g) => n + g.items.length, 0) ?? 0;

  return (
    <section className="search-view" data-testid="search">
      <h1>{q ? t('search.resultsFor', { q }) : t('search.title')}</h1>
      {!q ? <p className="muted">{t('search.hint')}</p> : null}
      {q && results.loading ? <p aria-busy="true">{t('app.loading')}</p> : null}
      {q && results.data && !results.loading ? (
        <p className="muted" role="status">
          {total ? t('search.count', { count: total }) : t('search.none')}
        </p>
      ) : null}
      <div className="search-groups">
        {results.data?.map((g) =>
          g.items.length || g.error ? (
            <section key={g.kind.path} className="panel" aria-labelledby={`sr-${g.kind.path}`} data-kind={g.kind.path}>
              <h2 id={`sr-${g.kind.path}`}>
                {t(g.kind.title)} <span className="badge">{g.items.length}{g.more ? '+' : ''}</span>
              </h2>
              {g.error ? <p className="muted">{describeError(g.error, i18n)}</p> : null}
              <ul className="plain-list">
                {g.items.map((r) => (
                  <li key={r.id}>
                    <Link to={g.kind.href(base, r)}>{g.kind.name(r) || r.id}</Link>
                  </li>
                ))}
              </ul>
              {g.more && g.kind.more ? <Link to={g.kind.more(base, q)}>{t('search.more')}</Link> : null}
            </section>
          ) : null,
        )}
      </div>
    </section>
  );
}
