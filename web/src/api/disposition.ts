// The file name a download's `Content-Disposition` suggests (RFC 6266):
// `filename*` (RFC 5987: a charset, then percent-encoded bytes) wins over
// the plain `filename`. Only the last path segment is kept: a name from a
// server says what to call the file, never where to put it.

const EXTENDED = /(?:^|;)\s*filename\*\s*=\s*([\w-]*)'[^']*'([^;\s]+)/i;
const PLAIN = /(?:^|;)\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/i;

function lastSegment(name: string): string | null {
  const base = name.split(/[\\/]/).pop()?.trim() ?? '';
  return base && base !== '.' && base !== '..' ? base : null;
}

/** The suggested name, or null when the header names none (or nothing usable). */
export function dispositionFilename(header: string | null): string | null {
  if (!header) return null;
  const ext = EXTENDED.exec(header);
  if (ext && /^utf-8$/i.test(ext[1] ?? '')) {
    try {
      const name = lastSegment(decodeURIComponent(ext[2] ?? ''));
      if (name) return name;
    } catch {
      // Malformed percent-encoding: fall back to the plain name.
    }
  }
  const plain = PLAIN.exec(header);
  if (!plain) return null;
  const raw = plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : (plain[2] ?? '');
  return lastSegment(raw);
}
