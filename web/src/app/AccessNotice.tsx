// What the app says after an administrator changed this person's access
// while the page was open (session.accessChanged): a notice above every
// page until dismissed, and, on a page they may no longer open, that
// they no longer may, in place of the page (rather than its failing calls).
import { useI18n } from '../i18n';
import { Alert } from '../ui/Alert';
import { NotFound } from '../views/NotFound';
import { Link } from './router';
import { useSession } from './session';

export function AccessNotice() {
  const { t } = useI18n();
  const { accessChanged, dismissAccessChanged } = useSession();
  if (!accessChanged) return null;
  return (
    <div data-testid="access-notice">
      <Alert tone="info" actions={<button type="button" className="btn btn--small" onClick={dismissAccessChanged}>{t('app.dismiss')}</button>}>
        {t('app.accessChanged')}
      </Alert>
    </div>
  );
}

/** A page this person may not open: "no longer" when their access just changed, else as if it did not exist. */
export function NoAccess() {
  const { t } = useI18n();
  const { accessChanged, services } = useSession();
  if (!accessChanged) return <NotFound />;
  return (
    <section data-testid="access-lost">
      <h1 tabIndex={-1}>{t('app.accessLost')}</h1>
      <p className="muted">{t('app.accessLostBody')}</p>
      <Link to={`/t/${services.tenant}/`}>{t('app.toStart')}</Link>
    </section>
  );
}
