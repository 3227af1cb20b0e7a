// Data requests (`privacy:export`): every person export the server still
// keeps (an archive for 7 days; one still being built, or failed), live
// from the `exports` topic: whose data, where it stands, who asked and
// when, until when it can be fetched, and the archive itself. Exports are
// started on the contact's page, or for a user in Admin > Users (shown as
// "User: <name>"). For those who may read the audit trail, the erasures
// so far: who erased, when and how much went; the trail keeps nothing of
// the person, and neither does this page.
import { useEffect, useRef, useState } from 'react';
import { getExport, listExports, type KnownExport } from '../../api/exports';
import { erasureHistory, type ErasureEntry } from '../../api/privacy';
import { ApiError } from '../../api/problem';
import { getRecord } from '../../api/records';
import type { Contact } from '../../api/types';
import { useUsers } from '../../app/directory';
import { Link } from '../../app/router';
import { useServices, useSession } from '../../app/session';
import { useI18n, type Key } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { useLiveLoad, useLoad } from '../../ui/useLoad';
import { CONTACTS } from '../crm/kinds';
import { mayReadTrail } from '../privacy/access';
import { ArchiveButton } from '../privacy/ArchiveButton';
import { eraseSummary } from '../privacy/erase';
import { exportFailure, foldExport } from '../privacy/exports';
import { useExportFeed } from '../privacy/useExports';
import { AdminPage } from './kit';

export function DataRequests({ tenant }: { tenant: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { me } = useSession();
  const list = useLiveLoad<KnownExport[]>((signal) => listExports(api, signal), [api]);
  const items = list.data ?? [];
  const names = useContactNames(items.filter((e) => e.subject_kind !== 'user').map((e) => e.subject_id));
  const users = useUsers();

  useExportFeed({
    live: true,
    poll: items.some((e) => e.status === 'running'),
    onExport: (e) => {
      // Events leave out who asked and when: a new one is read once in full.
      if (list.data && !list.data.some((x) => x.id === e.id)) {
        getExport(api, e.id).then((full) => list.apply((l) => foldExport(l, full)), () => undefined);
      }
      list.apply((l) => foldExport(l, e));
    },
    onGone: (id) => list.apply((l) => l.filter((x) => x.id !== id)),
    catchUp: () => list.reload(),
  });

  // A user by name as the directory knows them, else by id (one deleted
  // since, or out of reach of `users:read`).
  const userName = (id: string) => t('requests.user', { name: users.get(id)?.name ?? id });
  const person = (e: KnownExport) => {
    if (e.subject_kind === 'user') return userName(e.subject_id);
    const name = names.get(e.subject_id);
    if (name === null) return <span className="muted">{t('requests.gonePerson')}</span>;
    return <Link to={`/t/${tenant}/contacts/${e.subject_id}`}>{name ?? t('contact.title')}</Link>;
  };
  const whose = (e: KnownExport) =>
    e.subject_kind === 'user' ? users.get(e.subject_id)?.name ?? userName(e.subject_id) : names.get(e.subject_id) ?? t('contact.title');

  return (
    <AdminPage tenant={tenant} title={t('admin.dataRequests')} intro={t('admin.dataRequestsAbout')}>
      <section aria-labelledby="exports-h" className="data-requests">
        <h2 id="exports-h">{t('requests.exports')}</h2>
        {list.error && !list.data ? <Alert tone="danger">{describeError(list.error, i18n)}</Alert> : null}
        {list.data && items.length === 0 ? <p className="muted">{t('requests.empty')}</p> : null}
        {!list.data && !list.error ? <p aria-busy="true">{t('app.loading')}</p> : null}
        {items.length ? (
          <div className="table-wrap">
            <table className="table" data-testid="exports">
              <thead>
                <tr>
                  <th scope="col">{t('requests.person')}</th>
                  <th scope="col">{t('requests.state')}</th>
                  <th scope="col">{t('requests.progress')}</th>
                  <th scope="col">{t('requests.created')}</th>
                  <th scope="col">{t('requests.by')}</th>
                  <th scope="col">{t('requests.expires')}</th>
                  <th scope="col"><span className="visually-hidden">{t('requests.archive')}</span></th>
                </tr>
              </thead>
              <tbody>
                {items.map((e) => (
                  <tr key={e.id} data-export={e.id} data-status={e.status} data-subject={e.subject_kind}>
                    <td>{person(e)}</td>
                    <td data-label={t('requests.state')}>
                      <span className={`badge badge--${e.status}`}>{t(`requests.status_${e.status}` as Key)}</span>
                    </td>
                    <td data-label={t('requests.progress')}>
                      {e.status === 'failed' ? (
                        exportFailure(e, t)
                      ) : (
                        <label className="data-requests__progress">
                          {t('requests.steps', { done: e.done, total: e.total })}
                          <progress max={e.total} value={e.done} />
                        </label>
                      )}
                    </td>
                    <td data-label={t('requests.created')}>{e.created_at ? i18n.dateTime(e.created_at) : ''}</td>
                    <td data-label={t('requests.by')}>{e.requested_by ? users.get(e.requested_by)?.name ?? '' : ''}</td>
                    <td data-label={t('requests.expires')}>{e.expires_at ? i18n.dateTime(e.expires_at) : ''}</td>
                    <td>
                      {e.status === 'ready' ? (
                        <ArchiveButton exp={e} whose={whose(e)} />
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
      {mayReadTrail(me) ? <Erasures /> : null}
    </AdminPage>
  );
}

/** The latest erasures, from the audit trail. */
function Erasures() {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const users = useUsers();
  const history = useLoad((signal) => erasureHistory(api, signal), [api]);

  const by = (a: ErasureEntry['actor']) => {
    if (a.type === 'retention' && a.rule) return t('requests.byRule', { name: a.rule });
    const user = a.type === 'user' ? a.id : a.type === 'api_key' ? a.user_id : undefined;
    return user ? users.get(user)?.name ?? t('requests.someone') : t('requests.system');
  };

  return (
    <section aria-labelledby="erasures-h" className="data-requests">
      <h2 id="erasures-h">{t('requests.erasures')}</h2>
      <p className="muted">{t('requests.erasuresAbout')}</p>
      {history.error ? <Alert tone="danger">{describeError(history.error, i18n)}</Alert> : null}
      {history.data && history.data.length === 0 ? <p className="muted">{t('requests.noErasures')}</p> : null}
      {history.data?.length ? (
        <div className="table-wrap">
          <table className="table" data-testid="erasures">
            <thead>
              <tr>
                <th scope="col">{t('requests.when')}</th>
                <th scope="col">{t('requests.erasedBy')}</th>
                <th scope="col">{t('requests.what')}</th>
              </tr>
            </thead>
            <tbody>
              {history.data.map((x) => (
                <tr key={x.seq}>
                  <td>{i18n.dateTime(x.at)}</td>
                  <td data-label={t('requests.erasedBy')}>{by(x.actor)}</td>
                  <td data-label={t('requests.what')}>{eraseSummary(x.detail, t)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

/**
 * The names of the people whose data was exported, each read once
 * (null: the contact no longer exists). There is no way to ask for many
 * contacts by id at once.
 */
function useContactNames(ids: string[]): Map<string, string | null> {
  const { api } = useServices();
  const [names, setNames] = useState<Map<string, string | null>>(new Map());
  const asked = useRef(new Set<string>());
  const key = [...new Set(ids)].sort().join(',');
  useEffect(() => {
    for (const id of key ? key.split(',') : []) {
      if (asked.current.has(id)) continue;
      asked.current.add(id);
      getRecord<Contact>(api, 'contacts', id).then(
        (r) => setNames((m) => new Map(m).set(id, CONTACTS.display(r.data))),
        (e: unknown) => {
          if (e instanceof ApiError && e.status === 404) setNames((m) => new Map(m).set(id, null));
          // Another trouble (offline, say): asked again with the next change to the list.
          else asked.current.delete(id);
        },
      );
    }
  }, [api, key]);
  return names;
}
