// /admin: the workspace's storage (its files against its quota), and the
// settings this person may change, one card each.
import { Link } from '../../app/router';
import { useSession } from '../../app/session';
import { useI18n } from '../../i18n';
import { visibleSections } from './sections';
import { StorageUsage } from './StorageUsage';

export function AdminHome({ tenant, features }: { tenant: string; features?: Record<string, boolean> }) {
  const { t } = useI18n();
  const { can } = useSession();
  const sections = visibleSections(can, features);
  return (
    <section className="admin-home">
      <h1>{t('admin.title')}</h1>
      <StorageUsage />
      <ul className="admin-cards">
        {sections.map((s) => (
          <li key={s.path} className="admin-card">
            <Link to={`/t/${tenant}/admin/${s.path}`} className="admin-card__link">{t(s.title)}</Link>
            <p className="muted">{t(s.about)}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}
