// `/`: no tenant in the URL. Remembered workspaces first; a full page load
// into the chosen one, so its branding applies before the first paint.
import { useState, type FormEvent } from 'react';
import { SLUG } from '../api/tenant';
import { useI18n } from '../i18n';
import { Field } from '../ui/Field';
import { LanguageSwitch } from './LanguageSwitch';

export const RECENT_KEY = 'mandant:recent-tenants';

export function recentTenants(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string' && SLUG.test(s)) : [];
  } catch {
    return [];
  }
}

export function rememberTenant(slug: string) {
  const list = [slug, ...recentTenants().filter((s) => s !== slug)].slice(0, 5);
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(list));
  } catch {
    // Only a convenience.
  }
}

export function TenantPicker() {
  const { t } = useI18n();
  const [slug, setSlug] = useState('');
  const [error, setError] = useState<string | undefined>();
  const recent = recentTenants();
  const go = (e: FormEvent) => {
    e.preventDefault();
    const s = slug.trim().toLowerCase();
    if (!SLUG.test(s)) {
      setError(t('tenant.invalid'));
      return;
    }
    location.assign(`/t/${s}/`);
  };
  return (
    <div className="auth-page">
      <main className="auth-card" id="main">
        <div className="auth-card__top">
          <span className="brand">
            <img className="brand__logo" src="/icons/icon.svg" alt="" />
            <span className="brand__name">{t('app.name')}</span>
          </span>
          <LanguageSwitch />
        </div>
        <h1>{t('tenant.title')}</h1>
        {recent.length > 0 ? (
          <nav aria-label={t('tenant.recent')}>
            <h2>{t('tenant.recent')}</h2>
            <ul className="plain-list">
              {recent.map((s) => (
                <li key={s}>
                  <a href={`/t/${s}/`}>{s}</a>
                </li>
              ))}
            </ul>
          </nav>
        ) : null}
        <form onSubmit={go} noValidate>
          <Field label={t('tenant.slug')} hint={t('tenant.slugHint')} error={error} required>
            <input value={slug} onChange={(e) => setSlug(e.target.value)} autoCapitalize="none" spellCheck={false} />
          </Field>
          <button className="btn btn--primary btn--block" type="submit">
            {t('tenant.go')}
          </button>
        </form>
      </main>
    </div>
  );
}
