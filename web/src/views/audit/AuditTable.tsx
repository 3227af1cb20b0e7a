// Trail entries as a table, newest first: when (the full instant in its
// tooltip), who, what they did, to what (with a link to the record while
// it exists and this person may open it), and from where. Each row opens
// to show the fields that changed, the other facts recorded, and the
// request and chain hashes that tie it to the rest of the trail.
import { Fragment, useState } from 'react';
import type { AuditEntry } from '../../api/audit';
import { Link } from '../../app/router';
import { useSession } from '../../app/session';
import { useI18n, type I18n } from '../../i18n';
import { actionLabel, actorLabel, changeLines, factLines, goneRecords, kindLabel, recordPath, targetLabel, type Names } from './describe';
import { useTrailNames } from './useNames';

interface Props {
  entries: AuditEntry[];
  tenant: string;
  /** Off on a record's own page, where every entry is about that record. */
  showWhat?: boolean;
  /** Names the table for those who browse by tables. */
  label: string;
}

/** The instant in full, in the reader's time zone: for the tooltip. */
function fullTime(iso: string, i18n: I18n): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(i18n.lang === 'de' ? 'de-DE' : 'en-GB', { dateStyle: 'full', timeStyle: 'long' }).format(d);
}

export function AuditTable({ entries, tenant, showWhat = true, label }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const names = useTrailNames();
  const [open, setOpen] = useState<Set<number>>(new Set());
  const gone = goneRecords(entries);
  const columns = showWhat ? 6 : 5;
  const toggle = (seq: number) =>
    setOpen((s) => {
      const next = new Set(s);
      if (!next.delete(seq)) next.add(seq);
      return next;
    });

  return (
    <div className="table-wrap">
      <table className="table audit-table" aria-label={label} data-testid="audit-table">
        <thead>
          <tr>
            <th scope="col">{t('audit.when')}</th>
            <th scope="col">{t('audit.who')}</th>
            <th scope="col">{t('audit.action')}</th>
            {showWhat ? <th scope="col">{t('audit.what')}</th> : null}
            <th scope="col">{t('audit.where')}</th>
            <th scope="col"><span className="visually-hidden">{t('audit.moreColumn')}</span></th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => {
            const isOpen = open.has(e.seq);
            const action = actionLabel(e.action, t);
            const when = i18n.dateTime(e.at);
            const moreId = `audit-entry-${e.seq}`;
            return (
              <Fragment key={e.seq}>
                <tr data-seq={e.seq} data-action={e.action}>
                  <td><time dateTime={e.at} title={fullTime(e.at, i18n)}>{when}</time></td>
                  <td data-label={t('audit.who')}>{actorLabel(e.actor, names, t)}</td>
                  <td data-label={t('audit.action')}>
                    <span title={e.action === action ? undefined : e.action}>{action}</span>
                  </td>
                  {showWhat ? <td data-label={t('audit.what')}><What entry={e} tenant={tenant} gone={gone} names={names} /></td> : null}
                  <td data-label={t('audit.where')}>{e.ip ?? ''}</td>
                  <td>
                    <button type="button" className="btn btn--small" aria-expanded={isOpen} aria-controls={isOpen ? moreId : undefined}
                      aria-label={t('audit.detailsOf', { action, when })} onClick={() => toggle(e.seq)}>
                      {t('audit.details')}
                    </button>
                  </td>
                </tr>
                {isOpen ? (
                  <tr className="audit-table__more">
                    <td colSpan={columns} id={moreId}>
                      <EntryDetails entry={e} names={names} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function What({ entry: e, tenant, gone, names }: { entry: AuditEntry; tenant: string; gone: Set<string>; names: Names }) {
  const { t } = useI18n();
  const { can } = useSession();
  const target = targetLabel(e, names, t);
  if (target) return <>{target}</>;
  if (!e.kind) return null;
  const kind = kindLabel(e.kind, t);
  if (!e.record_id || e.kind === 'auth') return <>{kind}</>;
  const text = `${kind} ${e.record_id.slice(0, 8)}`;
  const to = gone.has(e.record_id) ? null : recordPath(tenant, e.kind, e.record_id, can);
  return to ? <Link to={to} title={e.record_id}>{text}</Link> : <span title={e.record_id}>{text}</span>;
}

function EntryDetails({ entry: e, names }: { entry: AuditEntry; names: Names }) {
  const i18n = useI18n();
  const { t } = i18n;
  const changes = changeLines(e, i18n, names);
  const facts = factLines(e, i18n);
  return (
    <div className="audit-entry">
      {changes.length ? (
        <ul className="audit-entry__changes" aria-label={t('audit.changes')}>
          {changes.map((c, i) => <li key={i}>{c}</li>)}
        </ul>
      ) : null}
      {facts.length ? (
        <ul className="audit-entry__facts">
          {facts.map((c, i) => <li key={i}>{c}</li>)}
        </ul>
      ) : null}
      <dl className="audit-entry__meta">
        <div><dt>{t('audit.seq')}</dt><dd>{e.seq}</dd></div>
        {e.request_id ? <div><dt>{t('audit.requestId')}</dt><dd><code>{e.request_id}</code></dd></div> : null}
        {e.ip ? <div><dt>{t('audit.ip')}</dt><dd>{e.ip}</dd></div> : null}
        <div><dt>{t('audit.hash')}</dt><dd><code className="audit-entry__hash">{e.hash}</code></dd></div>
        <div><dt>{t('audit.prevHash')}</dt><dd><code className="audit-entry__hash">{e.prev_hash}</code></dd></div>
      </dl>
      {e.detail && Object.keys(e.detail).length ? (
        <details className="audit-entry__raw">
          <summary>{t('audit.raw')}</summary>
          <pre>{JSON.stringify(e.detail, null, 2)}</pre>
        </details>
      ) : null}
    </div>
  );
}
