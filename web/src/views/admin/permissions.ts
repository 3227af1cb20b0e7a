// Permissions in words ("Deals: read") rather than codes (`deals:read`):
// the resource and the action are translated apart, so a permission the
// server adds later still reads well; a whole-phrase key wins if present.
import { en } from '../../i18n/en';
import type { I18n, Key } from '../../i18n';

const known = (k: string): k is Key => k in en;

export function permissionLabel(i18n: I18n, permission: string): string {
  const whole = `perm.${permission}`;
  if (known(whole)) return i18n.t(whole);
  const [res, act] = permission.split(':');
  const r = `perm.res.${res}`;
  const a = `perm.act.${act}`;
  if (known(r) && known(a)) return `${i18n.t(r)}: ${i18n.t(a)}`;
  return permission;
}

/** A built-in role's name and description in the person's language (custom roles are shown as written). */
export function roleLabel(i18n: I18n, name: string, builtin: boolean): string {
  const k = `role.${name}`;
  return builtin && known(k) ? i18n.t(k) : name;
}

export function roleAbout(i18n: I18n, name: string, builtin: boolean, description: string): string {
  const k = `role.${name}.about`;
  return builtin && known(k) ? i18n.t(k) : description;
}
