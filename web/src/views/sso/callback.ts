// What the server's redirect after single sign-on brings in the address's
// fragment (`/t/{slug}/login/sso#code=…&return_to=…` or `#error=<code>`),
// and where the app may go afterwards. The fragment is never sent to a
// server, but it stays in the history until the page takes it out.

export type CallbackFragment =
  | { kind: 'code'; code: string; returnTo: string | null }
  | { kind: 'error'; error: string }
  | { kind: 'none' };

export function readCallbackHash(hash: string): CallbackFragment {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const error = p.get('error')?.trim();
  if (error) return { kind: 'error', error };
  const code = p.get('code')?.trim();
  if (code) return { kind: 'code', code, returnTo: p.get('return_to') };
  return { kind: 'none' };
}

/**
 * `raw` when it is a path in this tenant's app to go to once signed in;
 * else null (go home). The fragment is only as trustworthy as whoever
 * made the link, so an absolute address, a scheme-relative `//host`, another
 * tenant's path or one with a backslash or control character (which some
 * browsers read as another host) is never followed, nor the sign-in pages,
 * which would only send a signed-in person on again.
 */
export function safeReturnTo(tenant: string, raw: string | null | undefined): string | null {
  if (!raw) return null;
  const base = `/t/${tenant}/`;
  if (!raw.startsWith(base) || /[\\\u0000-\u001f\u007f]/.test(raw)) return null;
  const probe = new URL(raw, 'https://app.invalid');
  if (probe.origin !== 'https://app.invalid' || !probe.pathname.startsWith(base)) return null;
  if (probe.pathname === `${base}login` || probe.pathname.startsWith(`${base}login/`)) return null;
  // As the browser will read it (`%2e%2e` and the like already resolved).
  return probe.pathname + probe.search + probe.hash;
}
