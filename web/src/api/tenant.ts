// The tenant is part of every URL: the SPA's own routes are /t/{slug}/…,
// and so are the API's (/t/{slug}/api/v1/…). Slug rule from API.md.

export const SLUG = /^[a-z][a-z0-9-]{1,62}$/;

export function tenantFromPath(pathname: string): string | null {
  const m = /^\/t\/([^/]+)(?:\/|$)/.exec(pathname);
  return m && SLUG.test(m[1]!) ? m[1]! : null;
}

export const apiBase = (tenant: string) => `/t/${tenant}/api/v1`;
