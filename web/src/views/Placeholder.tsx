// Areas whose server parts are still being built (queue engine, dashboards,
// admin settings): the route and navigation exist now, the view follows.
import { useI18n, type Key } from '../i18n';

export function Placeholder({ title, body }: { title: Key; body: Key }) {
  const { t } = useI18n();
  return (
    <section className="placeholder">
      <h1 tabIndex={-1}>{t(title)}</h1>
      <p className="placeholder__badge">{t('placeholder.soon')}</p>
      <p>{t(body)}</p>
    </section>
  );
}

export function NotFound() {
  const { t } = useI18n();
  return (
    <section>
      <h1 tabIndex={-1}>{t('app.notFound')}</h1>
    </section>
  );
}
