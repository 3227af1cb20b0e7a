import { useEffect, useState } from 'react';
import { applyBranding, cachedBranding, fetchBranding, NoSuchWorkspace, type Branding } from './branding';

/** Dispatched on window after the settings changed, to read them again. */
export const BRANDING_CHANGED = 'mandant:branding-changed';

/**
 * The tenant's branding: cached at once, then fresh from the server.
 * `missing`: the server answered that no such workspace exists.
 */
export function useBranding(slug: string): Branding | null {
  return useWorkspace(slug).branding;
}

export function useWorkspace(slug: string): { branding: Branding | null; missing: boolean } {
  const [branding, setBranding] = useState<Branding | null>(() => cachedBranding(slug));
  const [missing, setMissing] = useState(false);
  useEffect(() => {
    let live = true;
    const onBoot = (e: Event) => {
      const b = (e as CustomEvent<Branding>).detail;
      if (live && b?.slug === slug) setBranding(b);
    };
    // The boot script may still be fetching; take its answer when it comes.
    window.addEventListener('mandant:branding', onBoot);
    const refresh = () =>
      void fetchBranding(slug).then(
        (b) => {
          if (live && b) {
            applyBranding(b);
            setBranding(b);
            setMissing(false);
          }
        },
        (e: unknown) => {
          if (live && e instanceof NoSuchWorkspace) setMissing(true);
        },
      );
    refresh();
    // An admin may change colours or switch a feature off meanwhile: look
    // again whenever the person comes back to this tab.
    const onVisible = () => {
      if (document.visibilityState === 'visible') refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    // This tab's own admin just saved branding or features: show them now.
    window.addEventListener(BRANDING_CHANGED, refresh);
    return () => {
      live = false;
      window.removeEventListener('mandant:branding', onBoot);
      document.removeEventListener('visibilitychange', onVisible);
      window.removeEventListener(BRANDING_CHANGED, refresh);
    };
  }, [slug]);
  return { branding, missing };
}
