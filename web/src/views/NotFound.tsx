// The page for an address that leads nowhere (or to something this person
// may not see: the two look the same on purpose).
import { useI18n } from '../i18n';

export function NotFound() {
  const { t } = useI18n();
  return (
    <section>
      <h1 tabIndex={-1}>{t('app.notFound')}</h1>
    </section>
  );
}
