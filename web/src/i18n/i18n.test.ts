// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { de } from './de';
import { en } from './en';
import { initialLang, toLang, translate } from './index';

describe('i18n', () => {
  it('has every English key in German, and no German key English lacks', () => {
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
  });

  it('fills parameters and picks the plural form by count', () => {
    expect(translate('en', 'pipeline.deals', { count: 1 })).toBe('1 deal');
    expect(translate('en', 'pipeline.deals', { count: 3 })).toBe('3 deals');
    expect(translate('de', 'pipeline.deals', { count: 3 })).toBe('3 Deals');
    expect(translate('de', 'login.title', { name: 'Acme' })).toBe('Bei Acme anmelden');
  });

  it('keeps the same parameters in both languages', () => {
    const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(params(de[key]), key).toEqual(params(en[key]));
    }
  });

  it("lets the browser's language win over the tenant's default", () => {
    expect(initialLang('de', ['en-GB', 'en'])).toBe('en');
    expect(initialLang('en', ['fr-FR', 'de-AT'])).toBe('de');
    expect(initialLang('de', ['fr-FR'])).toBe('de');
    expect(initialLang(null, [])).toBe('en');
  });

  it('has German words for the SLA units, and no English left in the console', () => {
    expect(translate('de', 'unit.m', { n: 4 })).toBe('4 min');
    expect(translate('de', 'console.queue')).toBe('Warteschlange');
  });

  it('reads language tags', () => {
    expect(toLang('de-AT')).toBe('de');
    expect(toLang('en_US')).toBe('en');
    expect(toLang('fr')).toBeNull();
  });
});
