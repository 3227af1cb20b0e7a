import { ApiError, NetworkError } from '../api/problem';
import type { I18n, Key } from '../i18n';

/** One sentence for a person, from whatever a call threw. */
export function describeError(e: unknown, i18n: I18n): string {
  if (e instanceof NetworkError) return i18n.t('error.offline');
  if (e instanceof ApiError) {
    if (e.code === 'rate_limited' && e.retryAfter !== null) return i18n.t('login.throttled', { seconds: e.retryAfter });
    return e.detail;
  }
  return i18n.t('error.generic', { detail: e instanceof Error ? e.message : String(e) });
}

// What a refusal's English `detail` names (src/records/removal.rs `held`
// and `remove`): the held record and the hold's reason; how many records of
// which kind still refer to the one that should go.
const HELD = /^The (\w+) (\S+) is under legal hold \((.*)\); it cannot be deleted/s;
const IN_USE = /^(\d+) (\w+)\(s\) still refer to this /;
const NAMED = ['contact', 'company', 'deal', 'ticket', 'comment', 'activity'];
const counted = (i18n: I18n, kind: string, count: number) => i18n.t(`record.n.${kind}` as Key, { count });

/**
 * A legal hold or a record that still needs this one, in the person's
 * language: on the record itself (`ownId`) or on one that would go with
 * it, with the hold's reason; how many of which kind refer to it. A detail
 * in another shape is shown as the server wrote it.
 */
function refusal(e: ApiError, i18n: I18n, ownId: string): string {
  const held = e.code === 'legal_hold' ? HELD.exec(e.detail) : null;
  if (held) {
    const [, kind = '', id, reason = ''] = held;
    if (id === ownId) return i18n.t('record.refusedHeld', { reason });
    if (NAMED.includes(kind)) return i18n.t('record.refusedHeldAlong', { record: counted(i18n, kind, 1), reason });
  }
  const inUse = e.code === 'in_use' ? IN_USE.exec(e.detail) : null;
  if (inUse && NAMED.includes(inUse[2] ?? '')) {
    const count = Number(inUse[1]);
    return i18n.t('record.refusedInUse', { count, records: counted(i18n, inUse[2] ?? '', count) });
  }
  return e.detail;
}

/**
 * Why a delete (or an erasure: `refused` is `erase.refused`) of record
 * `id` did not happen, in words. A legal hold or a record that still
 * needs this one (`409 legal_hold`, `409 in_use`) is said with what the
 * server named: the hold's reason, or what refers to it.
 */
export function deleteError(e: unknown, i18n: I18n, id: string, refused: 'record.deleteRefused' | 'erase.refused' = 'record.deleteRefused'): string {
  if (e instanceof ApiError) {
    if (e.status === 412 || e.code === 'version_conflict') return i18n.t('record.conflict');
    if (e.status === 409 && (e.code === 'legal_hold' || e.code === 'in_use')) return i18n.t(refused, { detail: refusal(e, i18n, id) });
  }
  return describeError(e, i18n);
}
