// Enterprise sign-in (OpenID Connect, one or more providers per tenant),
// the signed-out half: the sign-in page's buttons, the address that starts
// a sign-in, and the exchange of the one-time code the server hands back.
// Starting is a page the browser leaves for, never a fetch: the server
// answers `302` to the identity provider and sets the HttpOnly cookie its
// callback checks, neither of which a fetch could carry through.
import type { ApiClient } from './client';
import type { TokenPair } from './types';

export interface SsoProviderButton {
  id: string;
  name: string;
}

export interface SsoSignIn {
  /** The tenant's enabled providers. */
  providers: SsoProviderButton[];
  /** Password sign-in is refused to all but owners with MFA (break-glass). */
  sso_required: boolean;
}

/** What the sign-in page offers; public (`auth: false`). */
export async function getSsoSignIn(api: ApiClient, signal?: AbortSignal): Promise<SsoSignIn> {
  const r = await api.request<Partial<SsoSignIn>>('GET', '/auth/sso/providers', { auth: false, signal });
  return { providers: r.data.providers ?? [], sso_required: r.data.sso_required === true };
}

/**
 * Where the browser goes to sign in with provider `id`. `returnTo` (a
 * path in this tenant) comes back with the code; the server ignores any
 * other, and the app checks it again on the way back.
 */
export const ssoStartUrl = (api: ApiClient, id: string, returnTo?: string | null) =>
  api.url(`/auth/sso/${encodeURIComponent(id)}/start`, { return_to: returnTo ?? undefined });

/**
 * The code from `/login/sso#code=…` for a token pair, as `/auth/login`
 * gives. One-time and short-lived (60 s): `401 unauthorized` when spent,
 * unknown or expired. Sent without a bearer token, so a 401 is the
 * code's, never a reason to refresh a session.
 */
export async function exchangeSsoCode(api: ApiClient, code: string): Promise<TokenPair> {
  return (await api.request<TokenPair>('POST', '/auth/sso/exchange', { body: { code }, auth: false })).data;
}

/**
 * The identity provider's sign-out page from `POST /auth/logout`'s answer
 * (`200 {"end_session_url"}` for a session that came from a provider that
 * offers one; `204` otherwise). Only an http(s) address: the browser is
 * sent there, so a `javascript:` or other scheme must never pass.
 */
export function endSessionUrl(answer: unknown): string | null {
  const raw = (answer as { end_session_url?: unknown } | null | undefined)?.end_session_url;
  if (typeof raw !== 'string') return null;
  try {
    const u = new URL(raw);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}
