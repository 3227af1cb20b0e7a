// Records carry `version`; responses send it as `ETag: "<version>"`, and
// writes send it back as `If-Match` so a stale edit gets 412, not a silent
// overwrite (API.md "Records").

export function versionFromEtag(etag: string | null): number | null {
  if (!etag) return null;
  const m = /^(?:W\/)?"(\d+)"$/.exec(etag.trim());
  return m ? Number(m[1]) : null;
}

export const ifMatch = (version: number) => `"${version}"`;
