// Admin › E-mail (`admin:settings`): one page for the workspace's mail,
// in the order an administrator sets it up and then checks it: the
// address customers answer to, how their answers reach the workspace,
// and the outbox of what was sent.
import { useI18n } from '../../i18n';
import { InboundMail } from './InboundMail';
import { AdminPage } from './kit';
import { MailOutbox } from './MailOutbox';
import { ReplyAddress } from './ReplyAddress';

export function Mail({ tenant }: { tenant: string }) {
  const { t } = useI18n();
  return (
    <AdminPage tenant={tenant} title={t('admin.mail')} intro={t('admin.mailAbout')}>
      <ReplyAddress />
      <InboundMail tenant={tenant} />
      <MailOutbox />
    </AdminPage>
  );
}
