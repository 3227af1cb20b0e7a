// Branding and features: the name shown, the logo, four colours and the
// default language (the login page and portals wear them), and which
// features the tenant uses: one switched off disappears from the app and
// its endpoints answer 404.
import { useEffect, useState } from 'react';
import { useServices } from '../../app/session';
import { BRANDING_CHANGED } from '../../branding/useBranding';
import { useI18n, type Key } from '../../i18n';
import { Field } from '../../ui/Field';
import { useLoad } from '../../ui/useLoad';
import { AdminPage, SaveState, useSaver } from './kit';

type Colors = Partial<Record<'primary' | 'accent' | 'background' | 'text', string>>;
interface Settings {
  display_name?: string;
  logo_url?: string;
  colors?: Colors;
  locale?: 'en' | 'de';
}

const COLORS: { key: keyof Colors; label: Key; fallback: string }[] = [
  { key: 'primary', label: 'admin.colorPrimary', fallback: '#1f4fd1' },
  { key: 'accent', label: 'admin.colorAccent', fallback: '#0f7d6e' },
  { key: 'background', label: 'admin.colorBackground', fallback: '#f5f6f8' },
  { key: 'text', label: 'admin.colorText', fallback: '#1b1f24' },
];
const FEATURES: { key: string; label: Key }[] = [
  { key: 'crm', label: 'admin.featureCrm' },
  { key: 'sales', label: 'admin.featureSales' },
  { key: 'support', label: 'admin.featureSupport' },
  { key: 'dashboards', label: 'admin.featureDashboards' },
];

export function Branding({ tenant }: { tenant: string }) {
  const { t } = useI18n();
  const { api } = useServices();
  const loaded = useLoad(async () => (await api.get<Settings>('/settings/branding')).data, [api]);
  const features = useLoad(async () => (await api.get<{ features: Record<string, boolean> }>('/settings/features')).data.features, [api]);
  const [s, setS] = useState<Settings | null>(null);
  const [f, setF] = useState<Record<string, boolean> | null>(null);
  const brand = useSaver();
  const feat = useSaver();
  useEffect(() => setS(loaded.data ? { ...loaded.data, colors: loaded.data.colors ?? {} } : null), [loaded.data]);
  useEffect(() => setF(features.data), [features.data]);
  const changed = () => window.dispatchEvent(new Event(BRANDING_CHANGED));

  const saveBrand = async () => {
    if (!s) return;
    // Empty texts mean "not set": the server wants them absent, not blank.
    const body: Settings = { colors: s.colors, locale: s.locale ?? 'en' };
    if (s.display_name?.trim()) body.display_name = s.display_name.trim();
    if (s.logo_url?.trim()) body.logo_url = s.logo_url.trim();
    if (await brand.run(() => api.request('PUT', '/settings/branding', { body }))) changed();
  };

  return (
    <AdminPage tenant={tenant} title={t('admin.branding')} intro={t('admin.brandingAbout')}>
      {s ? (
        <section className="panel" aria-labelledby="brand-h">
          <h2 id="brand-h">{t('admin.brandingLook')}</h2>
          <SaveState saver={brand} />
          <div className="form-grid">
            <Field label={t('admin.displayName')} error={brand.fields.display_name}>
              <input value={s.display_name ?? ''} onChange={(e) => setS({ ...s, display_name: e.target.value })} />
            </Field>
            <Field label={t('admin.logoUrl')} error={brand.fields.logo_url} hint={t('admin.logoHint')}>
              <input type="url" value={s.logo_url ?? ''} onChange={(e) => setS({ ...s, logo_url: e.target.value })} />
            </Field>
            <Field label={t('admin.locale')} error={brand.fields.locale}>
              <select value={s.locale ?? 'en'} onChange={(e) => setS({ ...s, locale: e.target.value as 'en' | 'de' })}>
                <option value="en">English</option>
                <option value="de">Deutsch</option>
              </select>
            </Field>
          </div>
          <div className="color-grid">
            {COLORS.map((c) => (
              <Field key={c.key} label={t(c.label)} error={brand.fields[`colors.${c.key}`]}>
                <input type="color" value={s.colors?.[c.key] ?? c.fallback} onChange={(e) => setS({ ...s, colors: { ...s.colors, [c.key]: e.target.value } })} />
              </Field>
            ))}
          </div>
          <div className="form-actions">
            <button type="button" className="btn btn--primary" disabled={brand.busy} onClick={() => void saveBrand()}>{t('record.save')}</button>
          </div>
        </section>
      ) : <p aria-busy="true">{t('app.loading')}</p>}
      {f ? (
        <section className="panel" aria-labelledby="feat-h">
          <h2 id="feat-h">{t('admin.features')}</h2>
          <SaveState saver={feat} />
          <fieldset className="field checks" data-testid="features">
            <legend className="visually-hidden">{t('admin.features')}</legend>
            {FEATURES.map((x) => (
              <label key={x.key} className="check">
                <input type="checkbox" checked={f[x.key] !== false} onChange={(e) => setF({ ...f, [x.key]: e.target.checked })} />
                {t(x.label)}
              </label>
            ))}
          </fieldset>
          <p className="field__hint">{t('admin.featuresHint')}</p>
          <div className="form-actions">
            <button type="button" className="btn btn--primary" disabled={feat.busy}
              onClick={async () => { if (await feat.run(() => api.request('PUT', '/settings/features', { body: { features: f } }))) changed(); }}>
              {t('record.save')}
            </button>
          </div>
        </section>
      ) : null}
    </AdminPage>
  );
}
