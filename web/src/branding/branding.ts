// Tenant branding: name, logo, colours and locale from the public
// `GET /t/{t}/api/v1/branding`. Colours become CSS variables on <html>, so
// every stylesheet follows them. public/boot-branding.js does the same before
// the first paint; this module keeps React's view of it current.

export interface Branding {
  slug: string;
  /** The tenant's display name (its settings' display_name, else its name). */
  name: string;
  /** https:, same-origin path or data:image/… URL; anything else is ignored. */
  logo_url?: string | null;
  /** The server sends primary, accent, background and text (#rrggbb). */
  colors?: Partial<Record<ColorKey, string>>;
  /** "en" or "de": the tenant's default language. */
  locale?: string | null;
  /** Feature switches, e.g. {crm: true, sales: false}; a missing one is on. */
  features?: Record<string, boolean>;
}

export type ColorKey = 'primary' | 'on_primary' | 'accent' | 'background' | 'surface' | 'text';

export const COLOR_VARS: Record<ColorKey, string> = {
  primary: '--brand-primary',
  on_primary: '--brand-on-primary',
  accent: '--brand-accent',
  background: '--brand-bg',
  surface: '--brand-surface',
  text: '--brand-text',
};

// Only plain hex colours: a value goes into a style property, and a strict
// shape means a tenant's settings can never smuggle in url(…) or expressions.
const COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

export const storageKey = (slug: string) => `mandant:branding:${slug}`;

export function isColor(v: unknown): v is string {
  return typeof v === 'string' && COLOR.test(v);
}

export function safeLogoUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  if (/^data:image\/(png|svg\+xml|jpeg|webp|gif);/i.test(url)) return url;
  try {
    const u = new URL(url, location.origin);
    if (u.protocol === 'https:' || u.origin === location.origin) return u.href;
  } catch {
    return null;
  }
  return null;
}

/**
 * Text on the primary colour: black or white, whichever reads better
 * (WCAG relative luminance), unless the tenant set one.
 */
export function onColor(hex: string): string {
  const h = hex.length === 4 ? hex.replace(/^#(.)(.)(.)$/, '#$1$1$2$2$3$3') : hex;
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(h.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const l = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return (l + 0.05) / 0.05 > 1.05 / (l + 0.05) ? '#000000' : '#ffffff';
}

export function applyBranding(b: Branding, root: HTMLElement = document.documentElement) {
  const colors = { ...(b.colors ?? {}) };
  if (!isColor(colors.on_primary) && isColor(colors.primary)) colors.on_primary = onColor(colors.primary);
  for (const [key, cssVar] of Object.entries(COLOR_VARS) as [ColorKey, string][]) {
    const v = colors[key];
    if (isColor(v)) root.style.setProperty(cssVar, v);
    else root.style.removeProperty(cssVar);
  }
  if (b.name) {
    document.title = b.name;
    root.setAttribute('data-tenant-name', b.name);
  }
  const meta = document.querySelector('meta[name="theme-color"]');
  if (meta && isColor(colors.primary)) meta.setAttribute('content', colors.primary);
}

export function cachedBranding(slug: string): Branding | null {
  try {
    const raw = localStorage.getItem(storageKey(slug));
    const b = raw ? (JSON.parse(raw) as Branding) : null;
    return b && typeof b.name === 'string' ? b : null;
  } catch {
    return null;
  }
}

/** Thrown by fetchBranding when the server says there is no such workspace. */
export class NoSuchWorkspace extends Error {}

export async function fetchBranding(slug: string, fetchImpl: typeof fetch = fetch): Promise<Branding | null> {
  let r: Response;
  try {
    r = await fetchImpl(`/t/${slug}/api/v1/branding`, { headers: { accept: 'application/json' } });
  } catch {
    return null;
  }
  // A 404 from the server itself (problem+json), not from a cache or proxy in between.
  if (r.status === 404 && (r.headers.get('content-type') ?? '').includes('json')) throw new NoSuchWorkspace(slug);
  try {
    if (!r.ok) return null;
    const b = (await r.json()) as Branding;
    try {
      localStorage.setItem(storageKey(slug), JSON.stringify(b));
    } catch {
      // Storage full or disabled: the branding still applies to this page.
    }
    return b;
  } catch {
    return null;
  }
}
