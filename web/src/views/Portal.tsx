// The customer portal (/t/{t}/portal): branded, signed in as a customer.
// Its ticket views arrive with the support issue; for now a placeholder.
import { useSession } from '../app/session';
import type { Branding } from '../branding/branding';
import { useI18n } from '../i18n';
import { BrandMark } from './BrandMark';
import { LanguageSwitch } from './LanguageSwitch';

export function Portal({ tenant, branding }: { tenant: string; branding: Branding | null }) {
  const { t } = useI18n();
  const { me, signOut } = useSession();
  return (
    <div className="portal">
      <header className="topbar">
        <BrandMark branding={branding} fallbackName={tenant} />
        <div className="topbar__tools">
          <LanguageSwitch />
          {me ? <span className="topbar__user">{me.user.name}</span> : null}
          <button type="button" className="btn btn--ghost" onClick={() => void signOut()}>
            {t('app.signOut')}
          </button>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        <section className="placeholder">
          <h1>{t('login.portal')}</h1>
          <p className="placeholder__badge">{t('placeholder.soon')}</p>
          <p>{t('placeholder.portal')}</p>
        </section>
      </main>
    </div>
  );
}
