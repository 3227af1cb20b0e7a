// The tenant's logo and name. Without a logo, its initial on the brand
// colour, so every tenant has a recognisable mark; also when the logo does
// not load (gone, offline, or an https logo a stricter CSP than ours blocks).
import { useState } from 'react';
import { safeLogoUrl, type Branding } from '../branding/branding';

export function BrandMark({ branding, fallbackName }: { branding: Branding | null; fallbackName: string }) {
  const name = branding?.name || fallbackName;
  const logo = safeLogoUrl(branding?.logo_url);
  const [failed, setFailed] = useState<string | null>(null);
  return (
    <span className="brand">
      {logo && logo !== failed ? (
        <img className="brand__logo" src={logo} alt="" onError={() => setFailed(logo)} />
      ) : (
        <span className="brand__initial" aria-hidden="true">
          {name.slice(0, 1).toUpperCase()}
        </span>
      )}
      <span className="brand__name" data-testid="brand-name">{name}</span>
    </span>
  );
}
