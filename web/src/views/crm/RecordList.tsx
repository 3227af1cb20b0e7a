// The list of contacts or companies: search, field filters and sort in the
// URL, keyset paging ("load more" with the server's cursor), live updates
// over the kind's topic, and CSV export of exactly what is filtered. Its
// `/import` address opens the CSV import dialog over it.
import { useEffect, useState } from 'react';
import { exportCsv, list, mergeLive, type ListParams } from '../../api/records';
import type { Contact, RecordBase } from '../../api/types';
import { peekNotice, takeNotice } from '../../app/notice';
import { Link, navigate, useSearchParams } from '../../app/router';
import { useServices, useSession } from '../../app/session';
import { useI18n } from '../../i18n';
import { isGone } from '../../realtime/gone';
import { useTopic } from '../../realtime/hooks';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { saveFile } from '../../ui/save';
import { useLoad } from '../../ui/useLoad';
import { FilterBar, filterOptions } from './FilterBar';
import { CsvImport } from './CsvImport';
import { listErrors } from './list-error';
import { useCompanyNames, useCustomFields } from './hooks';
import type { KindMeta } from './kinds';

const FILTER_PREFIX = 'f.';

function paramsFrom(sp: URLSearchParams): ListParams {
  const filters: Record<string, string> = {};
  for (const [k, v] of sp) if (k.startsWith(FILTER_PREFIX)) filters[k.slice(FILTER_PREFIX.length)] = v;
  return { q: sp.get('q') ?? undefined, sort: sp.get('sort') ?? undefined, filters, limit: 50 };
}

interface State {
  items: RecordBase[];
  next: string | null;
  fromCache: boolean;
  cachedAt: string | null;
}

export function RecordList({ meta, tenant, importing = false }: { meta: KindMeta; tenant: string; importing?: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api, queue } = useServices();
  const { can, pending } = useSession();
  const [sp, setSp] = useSearchParams();
  const params = paramsFrom(sp);
  const key = sp.toString();
  const customs = useCustomFields(meta.kind);
  const companies = useCompanyNames(meta.path === 'contacts');
  const [search, setSearch] = useState(params.q ?? '');
  const [more, setMore] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const [changed, setChanged] = useState(false);
  const [exporting, setExporting] = useState(false);
  const base = `/t/${tenant}/${meta.path}`;
  // Left by the page we came from (an erasure's summary): said once.
  const [notice, setNotice] = useState(() => peekNotice(base));
  useEffect(() => takeNotice(base), [base]);

  const page = useLoad<State>(
    async (signal) => {
      const r = await list<RecordBase>(api, meta.path, params, signal);
      return { items: r.data.items, next: r.data.next_cursor, fromCache: r.fromCache, cachedAt: r.cachedAt };
    },
    [api, meta.path, key],
  );

  // Typing searches after a pause, not on every key.
  useEffect(() => {
    if ((params.q ?? '') === search) return;
    const id = setTimeout(() => {
      const next = new URLSearchParams(sp);
      if (search) next.set('q', search);
      else next.delete('q');
      setSp(next);
    }, 300);
    return () => clearTimeout(id);
    // Only typing starts the timer; the URL catching up must not restart it.
  }, [search]);

  useTopic(meta.path, {
    onEvent: (f) => {
      const data = f.data as unknown as RecordBase;
      if (f.event.endsWith('.created') && !isGone(f)) {
        setChanged(true);
        return;
      }
      page.set((s) => {
        if (!s) return s;
        // Deleted or erased (an erased record's older events have no fields left).
        if (isGone(f)) return { ...s, items: s.items.filter((r) => r.id !== data.id) };
        return {
          ...s,
          // mergeLive: an anonymised record replaces the row, or what it lost would linger.
          items: s.items.map((r) => (r.id === data.id && data.version > r.version ? mergeLive(r, data) : r)),
        };
      });
    },
    onResync: () => page.reload(),
  });

  const loadMore = async () => {
    if (!page.data?.next) return;
    setMore({ busy: true, error: null });
    try {
      const r = await list<RecordBase>(api, meta.path, { ...params, cursor: page.data.next });
      page.set((s) => (s ? { ...s, items: [...s.items, ...r.data.items], next: r.data.next_cursor } : s));
      setMore({ busy: false, error: null });
    } catch (e) {
      setMore({ busy: false, error: describeError(e, i18n) });
    }
  };

  const setFilters = (filters: Record<string, string>) => {
    const next = new URLSearchParams();
    for (const [k, v] of sp) if (!k.startsWith(FILTER_PREFIX)) next.set(k, v);
    for (const [k, v] of Object.entries(filters)) next.set(FILTER_PREFIX + k, v);
    setSp(next);
  };

  const setSort = (sort: string) => {
    const next = new URLSearchParams(sp);
    if (sort) next.set('sort', sort);
    else next.delete('sort');
    setSp(next);
  };

  const download = async () => {
    setExporting(true);
    try {
      saveFile(await exportCsv(api, meta.path, params), `${meta.path}.csv`);
    } catch (e) {
      setMore({ busy: false, error: describeError(e, i18n) });
    } finally {
      setExporting(false);
    }
  };

  const pendingIds = new Set(
    pending.filter((w) => w.status === 'pending' && w.path.startsWith(`/${meta.path}/`)).map((w) => w.path.split('/')[2]),
  );
  const cell = (r: RecordBase, col: string) => {
    const overlay = { ...r, ...(queue.pendingPatch(`/${meta.path}/${r.id}`) ?? {}) } as unknown as Record<string, unknown>;
    if (col === 'name') return meta.display(overlay as unknown as RecordBase);
    if (col === 'company_id') {
      const id = (overlay as unknown as Contact).company_id;
      return id ? companies.get(id) ?? '…' : '';
    }
    const v = overlay[col];
    return Array.isArray(v) ? v.join(', ') : v == null ? '' : String(v);
  };
  const columnLabel = (col: string) => {
    if (col === 'name') return t(meta.path === 'contacts' ? 'contact.name' : 'company.name');
    const f = meta.fields.find((x) => x.key === col);
    return f ? t(f.label) : col;
  };
  // A field's name by its filter key, the sensitive ones (never offered as filters) too.
  const fieldLabel = (key: string) => {
    const std = meta.fields.find((f) => f.key === key);
    return std ? t(std.label) : customs.find((c) => `custom.${c.key}` === key)?.label;
  };
  const problems = page.error ? listErrors(page.error, i18n, fieldLabel) : [];
  const sortable = meta.fields.filter((f) => f.sortable);
  const writable = can(`${meta.path}:write`);

  return (
    <section className="list-view">
      <div className="view-head">
        <h1>{t(meta.plural)}</h1>
        <div className="view-head__actions">
          {writable ? (
            <>
              <Link className="btn btn--primary" to={`${base}/new`}>
                {t('list.new')}
              </Link>
              <Link className="btn" to={`${base}/import${key ? `?${key}` : ''}`}>
                {t('list.import')}
              </Link>
            </>
          ) : null}
          <button type="button" className="btn" onClick={() => void download()} disabled={exporting}>
            {t('list.export')}
          </button>
        </div>
      </div>

      <div className="toolbar">
        <label className="toolbar__search">
          <span className="visually-hidden">{t('list.search')}</span>
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder={t('list.searchPlaceholder')} aria-label={t('list.search')} />
        </label>
        <label className="toolbar__sort">
          <span>{t('list.sort')}</span>
          <select value={params.sort ?? ''} onChange={(e) => setSort(e.target.value)}>
            <option value="">{t('list.sortDefault')}</option>
            <option value="-created_at">{t('list.sortNewest')}</option>
            {sortable.map((f) => (
              <option key={f.key} value={f.key}>
                {t(f.label)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <FilterBar options={filterOptions(meta, customs, t as never, companies)} active={params.filters ?? {}} onChange={setFilters} nameOf={fieldLabel} />

      {notice ? (
        <Alert tone="success" actions={<button type="button" className="btn btn--small" onClick={() => setNotice(null)}>{t('app.dismiss')}</button>}>
          {notice}
        </Alert>
      ) : null}
      {changed ? (
        <Alert
          actions={
            <button type="button" className="btn btn--small" onClick={() => { setChanged(false); page.reload(); }}>
              {t('list.refresh')}
            </button>
          }
        >
          {t('list.changed')}
        </Alert>
      ) : null}
      {page.data?.fromCache ? (
        <p className="cache-note">{t('conn.cached', { time: page.data.cachedAt ? i18n.dateTime(page.data.cachedAt) : '' })}</p>
      ) : null}
      {page.error ? (
        <Alert tone="danger" actions={<button className="btn btn--small" onClick={page.reload}>{t('app.retry')}</button>}>
          {problems.length === 1 ? problems[0] : <ul>{problems.map((line) => <li key={line}>{line}</li>)}</ul>}
        </Alert>
      ) : null}
      {page.loading && !page.data ? <p aria-busy="true">{t('app.loading')}</p> : null}

      {page.data ? (
        page.data.items.length === 0 ? (
          <p>{t('list.empty')}</p>
        ) : (
          <div className="table-wrap">
            <table className="table" aria-busy={page.loading}>
              <thead>
                <tr>
                  {meta.columns.map((c) => (
                    <th key={c} scope="col" className={`col-${c}`}>
                      {columnLabel(c)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {page.data.items.map((r) => (
                  <tr key={r.id}>
                    {meta.columns.map((c, i) => (
                      <td key={c} className={`col-${c}`} data-label={columnLabel(c)}>
                        {i === 0 ? (
                          <>
                            <Link to={`${base}/${r.id}`}>{cell(r, c) || t('record.none')}</Link>
                            {pendingIds.has(r.id) ? <span className="badge badge--pending">{t('sync.pendingBadge')}</span> : null}
                          </>
                        ) : (
                          cell(r, c)
                        )}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : null}
      <div className="list-foot">
        {page.data ? <span role="status">{t('list.count', { count: page.data.items.length })}</span> : null}
        {page.data?.next ? (
          <button type="button" className="btn" onClick={() => void loadMore()} disabled={more.busy}>
            {t('list.loadMore')}
          </button>
        ) : null}
        {more.error ? <span className="field__error">{more.error}</span> : null}
      </div>
      {importing && writable ? (
        <CsvImport meta={meta}
          onClose={() => navigate(`${base}${key ? `?${key}` : ''}`)}
          onImported={() => {
            setChanged(false);
            page.reload();
          }}
        />
      ) : null}
    </section>
  );
}
