// One user in Admin > Users: who they are, and what may be done to them.
// Besides "Edit": "Export data" (`privacy:export`), followed in a row
// beneath it as on a contact's page, and "Erase…" (`privacy:erase`) for
// someone who has left, never for oneself. An account erased already
// offers neither: nothing of the person is left in it. "Send invitation
// again" mails an active account a new link to set its password; how that
// went is said in a row beneath.
import { useState } from 'react';
import type { UserErased } from '../../api/privacy';
import { useSession } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import type { UserSummary } from '../support/hooks';
import { mayErase, mayExport } from '../privacy/access';
import { ExportButton, ExportStatus } from '../privacy/PersonExport';
import { usePersonExport } from '../privacy/useExports';
import { roleLabel } from './permissions';
import { UserEraseDialog } from './UserEraseDialog';
import { inviteError, useInvite } from './useInvite';
import { isErasedUser } from './userErasure';

/** The table's columns, for the row beneath that spans them. */
const USER_COLUMNS = 7;

interface Props {
  tenant: string;
  user: UserSummary;
  teams: string;
  onEdit(): void;
  onErased(result: UserErased): void;
}

export function UserRow({ tenant, user: u, teams, onEdit, onErased }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const { me } = useSession();
  const exported = usePersonExport(u.id, 'user');
  const [erasing, setErasing] = useState(false);
  const invite = useInvite(u.id);
  const erased = isErasedUser(u);
  // A disabled account cannot sign in: the server refuses to invite it.
  const invitable = !erased && u.status === 'active';
  const exporting = mayExport(me) && !erased;
  const erasable = mayErase(me) && !erased && me?.user.id !== u.id;
  const following = exporting && (exported.current !== null || exported.error !== null);

  return (
    <>
      <tr data-user={u.id}>
        <td>{u.name}</td>
        <td data-label={t('login.email')}>{u.email}</td>
        <td data-label={t('admin.kind')}>{t(`admin.kind_${u.kind}` as 'admin.kind_staff')}</td>
        <td data-label={t('admin.rolesColumn')}>{u.roles.map((r) => roleLabel(i18n, r, true)).join(', ')}</td>
        <td data-label={t('admin.teams')}>{teams}</td>
        <td data-label={t('admin.status')}>{u.status === 'disabled' ? <span className="badge badge--pending">{t('admin.disabled')}</span> : t('admin.active')}</td>
        <td>
          <div className="row-actions">
            <button type="button" className="btn btn--small" onClick={onEdit} aria-label={t('admin.editUser', { name: u.name })}>
              {t('record.edit')}
            </button>
            {invitable ? (
              <button type="button" className="btn btn--small" disabled={invite.busy} onClick={() => void invite.send()}
                aria-label={t('users.inviteOf', { name: u.name })}>
                {invite.busy ? t('users.inviting') : t('users.inviteAgain')}
              </button>
            ) : null}
            {exporting ? <ExportButton state={exported} small label={t('users.exportData')} name={t('users.exportDataOf', { name: u.name })} /> : null}
            {erasable ? (
              <button type="button" className="btn btn--small btn--danger" onClick={() => setErasing(true)} aria-label={t('users.eraseOf', { name: u.name })}>
                {t('users.erase')}
              </button>
            ) : null}
          </div>
          {/* In the cell: a table body may hold rows only. */}
          {erasing ? (
            <UserEraseDialog
              tenant={tenant}
              user={u}
              onClose={() => setErasing(false)}
              onErased={(r) => {
                setErasing(false);
                onErased(r);
              }}
            />
          ) : null}
        </td>
      </tr>
      {invite.outcome ? (
        <tr className="user-notice" data-invite={u.id}>
          <td colSpan={USER_COLUMNS}>
            <Alert tone={invite.outcome.ok ? 'success' : 'danger'}
              actions={<button type="button" className="btn btn--small" onClick={invite.dismiss}>{t('app.dismiss')}</button>}>
              {invite.outcome.ok ? t('users.invited', { email: u.email }) : inviteError(i18n, invite.outcome.error)}
            </Alert>
          </td>
        </tr>
      ) : null}
      {following ? (
        <tr className="user-export">
          <td colSpan={USER_COLUMNS}>
            <ExportStatus state={exported} tenant={tenant} title={t('users.exportTitle', { name: u.name })} />
          </td>
        </tr>
      ) : null}
    </>
  );
}
