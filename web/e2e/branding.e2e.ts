// Each tenant's login page carries that tenant's branding, straight from
// its public branding endpoint, and never another tenant's (even though
// both are cached in the same browser). With the admin settings API, the
// second tenant gets its own colours, language and switched-off feature.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { apiResponse, launch, newPage, serverUrl, signIn } from './helpers';

let browser: Browser;
/** False on a server build without PUT /settings/branding yet. */
let settingsApi = false;
const NORDWIND = { primary: '#0b6e4f', accent: '#f4a259', background: '#f3f7f5', text: '#102a22' };

beforeAll(async () => {
  browser = await launch();
  const second = inject('secondTenant');
  const put = await apiResponse(second.slug, second.email, 'PUT', '/settings/branding', { colors: NORDWIND, locale: 'de' });
  settingsApi = put.status !== 404;
  if (settingsApi) {
    expect(put.status).toBe(200);
    const f = await apiResponse(second.slug, second.email, 'PUT', '/settings/features', { features: { sales: false } });
    expect(f.status).toBe(200);
  } else {
    console.log('this server has no branding settings API yet: checking names and default colours only');
  }
});
afterAll(async () => {
  await browser?.close();
});

interface Branding {
  name: string;
  colors?: { primary?: string };
}

async function branding(slug: string): Promise<Branding> {
  return (await (await fetch(`${serverUrl()}/t/${slug}/api/v1/branding`)).json()) as Branding;
}

const cssVar = (name: string) => `getComputedStyle(document.documentElement).getPropertyValue('${name}').trim()`;

it("shows a different tenant's branding on its login page", async () => {
  const second = inject('secondTenant');
  // A browser in a language the app does not speak: each tenant's default
  // language applies (an English or German browser would win over it).
  const { context, page } = await newPage(browser, { locale: 'fr-FR' });

  await page.goto('/t/demo/login');
  await page.getByRole('heading', { name: 'Sign in to Demo GmbH' }).waitFor();
  expect(await page.getByTestId('brand-name').textContent()).toBe('Demo GmbH');

  // Same browser, the other tenant: its own name, title, colours (and language).
  await page.goto(`/t/${second.slug}/login`);
  const heading = settingsApi ? `Bei ${second.name} anmelden` : `Sign in to ${second.name}`;
  await page.getByRole('heading', { name: heading }).waitFor();
  expect(await page.getByTestId('brand-name').textContent()).toBe(second.name);
  expect(await page.title()).toBe(second.name);
  // The boot script applied the branding before the app rendered.
  expect(await page.evaluate(() => document.documentElement.dataset.tenantName)).toBe(second.name);
  const b = await branding(second.slug);
  const primary = (await page.evaluate(cssVar('--brand-primary'))) as string;
  expect(primary.toLowerCase()).toBe((b.colors?.primary ?? '#1f4fd1').toLowerCase());
  if (settingsApi) {
    expect(primary).toBe(NORDWIND.primary);
    expect(await page.evaluate(cssVar('--brand-bg'))).toBe(NORDWIND.background);
    // The sign-in button is drawn in the tenant's colour.
    const button = await page.getByRole('button', { name: 'Anmelden' }).evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(button).toBe('rgb(11, 110, 79)');
  }

  // And back: the first tenant's page does not keep the second's branding.
  await page.goto('/t/demo/login');
  await page.getByRole('heading', { name: 'Sign in to Demo GmbH' }).waitFor();
  expect(await page.title()).toBe('Demo GmbH');
  expect(await page.evaluate(cssVar('--brand-primary'))).toBe('#1f4fd1');
  await context.close();
});

it('hides a feature the tenant switched off, and its pages', async (ctx) => {
  // Reported as skipped, not passed, on a server without the settings API.
  if (!settingsApi) ctx.skip();
  const second = inject('secondTenant');
  const { context, page } = await newPage(browser, { locale: 'fr-FR' });
  await signIn(page, second.slug, second.email, '', 'de');
  const nav = page.getByRole('navigation', { name: 'Hauptnavigation' });
  await nav.getByRole('link', { name: 'Kontakte' }).waitFor();
  expect(await nav.getByRole('link', { name: 'Pipeline' }).count()).toBe(0);
  await page.goto(`/t/${second.slug}/pipeline`);
  await page.getByRole('heading', { name: 'Diese Seite gibt es nicht.' }).waitFor();
  await context.close();
});
