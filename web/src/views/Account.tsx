// The signed-in person's own page (`/t/{slug}/account`, their name in the
// top bar): who they are signed in as, and their passkeys.
import { useSession } from '../app/session';
import { useI18n } from '../i18n';
import { PasskeysPanel } from './passkeys/PasskeysPanel';

export function Account() {
  const { t } = useI18n();
  const { me } = useSession();
  return (
    <section className="account-page">
      <div className="view-head">
        <h1>{t('account.title')}</h1>
      </div>
      {me ? (
        <p className="muted" data-testid="account-who">
          {me.user.name} · {me.user.email}
        </p>
      ) : null}
      <PasskeysPanel />
    </section>
  );
}
