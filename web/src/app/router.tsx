// A tiny router over the History API: the app has a dozen flat routes and
// needs no nested layouts or loaders, so this page replaces a dependency.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const EVENT = 'mandant:navigate';

export interface Location {
  pathname: string;
  search: string;
}

export function navigate(to: string, opts: { replace?: boolean } = {}) {
  if (to === location.pathname + location.search) return;
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event(EVENT));
}

// The address is an external store read through useSyncExternalStore, not
// state copied at render and updated by a listener added in an effect. A
// child's effects run before its parents' ones: a <Redirect> navigating on
// mount did so before the routes above it listened, so they never heard of
// it and kept drawing the old address (issue 15: a deep link opened signed
// out went to /login and showed nothing). useSyncExternalStore compares
// the address again once it subscribes, so no change is ever missed.
let snapshot: Location | null = null;

function getSnapshot(): Location {
  // The same object while the address is the same: React compares by identity.
  if (!snapshot || snapshot.pathname !== location.pathname || snapshot.search !== location.search) {
    snapshot = { pathname: location.pathname, search: location.search };
  }
  return snapshot;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(EVENT, onChange);
  };
}

export function useLocation(): Location {
  return useSyncExternalStore(subscribe, getSnapshot);
}

/** `/t/:tenant/contacts/:id` against a path → params, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    const val = s[i]!;
    if (seg.startsWith(':')) params[seg.slice(1)] = decodeURIComponent(val);
    else if (seg !== val) return null;
  }
  return params;
}

/** The query string as state; setting it replaces the history entry. */
export function useSearchParams(): [URLSearchParams, (next: URLSearchParams) => void] {
  const loc = useLocation();
  const params = new URLSearchParams(loc.search);
  const set = (next: URLSearchParams) => {
    const s = next.toString();
    navigate(`${location.pathname}${s ? `?${s}` : ''}`, { replace: true });
  };
  return [params, set];
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

export function Link({ to, onClick, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    // Let the browser handle new tabs, downloads and other windows.
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if (rest.target && rest.target !== '_self') return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}
