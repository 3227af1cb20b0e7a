// Words for the support engine's values. Statuses are the tenant's own
// (its workflow), so one we have no translation for is shown as it is.
import { en } from '../../i18n/en';
import type { I18n, Key } from '../../i18n';

function known(key: string): key is Key {
  return key in en;
}

export function statusLabel(i18n: I18n, status: string): string {
  const key = `status.${status}`;
  return known(key) ? i18n.t(key) : status;
}

export function priorityLabel(i18n: I18n, priority: string | undefined): string {
  const key = `priority.${priority ?? 'normal'}`;
  return known(key) ? i18n.t(key) : (priority ?? '');
}

export function routingLabel(i18n: I18n, routing: string | undefined): string {
  const key = `routing.${routing ?? 'manual'}`;
  return known(key) ? i18n.t(key) : (routing ?? '');
}
