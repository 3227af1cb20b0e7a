import { cleanup, fireEvent, render } from '@testing-library/react';
import { afterEach, expect, it } from 'vitest';
import { BrandMark } from './BrandMark';

afterEach(cleanup);

it("shows the tenant's initial when its logo does not load (e.g. blocked by a Content-Security-Policy)", () => {
  const { container } = render(
    <BrandMark branding={{ slug: 'acme', name: 'Acme', logo_url: 'https://cdn.example/logo.svg' }} fallbackName="acme" />,
  );
  const img = container.querySelector('img');
  expect(img?.getAttribute('src')).toBe('https://cdn.example/logo.svg');
  fireEvent.error(img!);
  expect(container.querySelector('img')).toBeNull();
  expect(container.querySelector('.brand__initial')?.textContent).toBe('A');
});
