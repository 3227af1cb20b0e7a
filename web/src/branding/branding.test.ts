import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { applyBranding, COLOR_VARS, onColor, safeLogoUrl } from './branding';

const boot = readFileSync(resolve(import.meta.dirname, '../../public/boot-branding.js'), 'utf8');
const root = document.documentElement;

beforeEach(() => {
  localStorage.clear();
  root.removeAttribute('style');
  document.head.innerHTML = '<meta name="theme-color" content="#000000">';
});
afterEach(() => {
  vi.unstubAllGlobals();
  history.replaceState(null, '', '/');
});

// As the server sends it: four colours; text on primary is worked out.
const acme = {
  slug: 'acme',
  name: 'Acme GmbH',
  colors: { primary: '#ffd400', accent: '#00aa00', background: '#fafafa', text: '#111111' },
  locale: 'de',
  features: { crm: true, sales: false },
};

it('picks readable text for the primary colour', () => {
  expect(onColor('#ffd400')).toBe('#000000');
  expect(onColor('#1f4fd1')).toBe('#ffffff');
  expect(onColor('#fff')).toBe('#000000');
});

it('applies colours as CSS variables, and only plain hex colours', () => {
  applyBranding({ slug: 'x', name: 'X', colors: { primary: '#123456', accent: 'red; background: url(evil)', text: 'url(x)' } });
  expect(root.style.getPropertyValue('--brand-primary')).toBe('#123456');
  expect(root.style.getPropertyValue('--brand-accent')).toBe('');
  expect(root.style.getPropertyValue('--brand-text')).toBe('');
  expect(document.title).toBe('X');
  expect(document.querySelector('meta[name="theme-color"]')?.getAttribute('content')).toBe('#123456');
});

it('accepts logos over https, from this origin or as image data only', () => {
  expect(safeLogoUrl('https://cdn.example/logo.svg')).toBe('https://cdn.example/logo.svg');
  expect(safeLogoUrl('/files/logo.png')).toBe(`${location.origin}/files/logo.png`);
  expect(safeLogoUrl('data:image/png;base64,AAAA')).toBe('data:image/png;base64,AAAA');
  expect(safeLogoUrl('javascript:alert(1)')).toBeNull();
  expect(safeLogoUrl('http://tracker.example/x.png')).toBeNull();
});

it('the boot script hides the page until a first visit has branding, then applies what the module would', async () => {
  history.replaceState(null, '', '/t/acme/login');
  let answer: (r: Response) => void = () => {};
  vi.stubGlobal('fetch', vi.fn(() => new Promise<Response>((r) => (answer = r))));
  new Function(boot)();
  expect(root.style.visibility).toBe('hidden');
  answer(new Response(JSON.stringify(acme), { status: 200, headers: { 'content-type': 'application/json' } }));
  await vi.waitFor(() => expect(root.style.visibility).toBe(''));
  const fromBoot = Object.values(COLOR_VARS).map((v) => root.style.getPropertyValue(v));
  expect(JSON.parse(localStorage.getItem('mandant:branding:acme')!)).toEqual(acme);

  root.removeAttribute('style');
  applyBranding(acme);
  expect(Object.values(COLOR_VARS).map((v) => root.style.getPropertyValue(v))).toEqual(fromBoot);
  expect(fromBoot[0]).toBe('#ffd400');
  expect(root.style.getPropertyValue('--brand-on-primary')).toBe('#000000');
});

it('the boot script applies cached branding at once, before any answer arrives', () => {
  history.replaceState(null, '', '/t/acme/contacts');
  localStorage.setItem('mandant:branding:acme', JSON.stringify(acme));
  vi.stubGlobal('fetch', vi.fn(() => new Promise<Response>(() => {})));
  new Function(boot)();
  expect(root.style.getPropertyValue('--brand-primary')).toBe('#ffd400');
  expect(root.style.visibility).toBe('');
  expect(document.title).toBe('Acme GmbH');
});
