// Admin › E-mail: how customers' mail reaches the workspace, since
// nothing in the app sets that up: the mail provider posts each message
// that arrives for the reply address to this workspace's inbound hook,
// with an API key. The hook's address is this app's origin (the server
// that serves it), so it is exactly what the provider must call. The
// way to API keys is a link only for whoever may make one.
import { inboundHookUrl } from '../../api/mail';
import { Link } from '../../app/router';
import { useSession } from '../../app/session';
import { useI18n } from '../../i18n';

export function InboundMail({ tenant }: { tenant: string }) {
  const { t } = useI18n();
  const { can } = useSession();
  return (
    <section className="panel" aria-labelledby="inbound-mail-h" data-testid="inbound-mail">
      <h2 id="inbound-mail-h">{t('mail.inboundTitle')}</h2>
      <ol className="inbound-steps">
        <li>
          <p>{t('mail.inboundHook')}</p>
          <code className="inbound-url" data-testid="inbound-url">{inboundHookUrl(location.origin, tenant)}</code>
        </li>
        <li>
          <p>
            {t('mail.inboundKey')}{' '}
            {can('admin:api_keys')
              ? <Link to={`/t/${tenant}/admin/api-keys`}>{t('mail.inboundKeyLink')}</Link>
              : t('mail.inboundKeyAsk')}
          </p>
        </li>
        <li>
          <p>{t('mail.inboundThread')}</p>
        </li>
      </ol>
    </section>
  );
}
