// A small i18n module: two dictionaries, `{name}` parameters, "one|other"
// plurals by `count`, and Intl for numbers and dates. No library: the app
// needs nothing more, and this stays a page of code.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { de } from './de';
import { en, type Key } from './en';
import { formatDuration } from '../views/support/sla';

export type Lang = 'en' | 'de';
export type { Key };
export type Params = Record<string, string | number>;

export const LANGS: { code: Lang; label: string }[] = [
  { code: 'en', label: 'English' },
  { code: 'de', label: 'Deutsch' },
];

const DICTS: Record<Lang, Record<Key, string>> = { en, de };
const STORAGE = 'mandant:lang';

export function translate(lang: Lang, key: Key, params?: Params): string {
  let text: string = DICTS[lang][key] ?? en[key] ?? key;
  if (text.includes('|') && params && typeof params.count === 'number') {
    const [one, other] = text.split('|');
    text = (params.count === 1 ? one : other) ?? text;
  }
  return params ? text.replace(/\{(\w+)\}/g, (m, p: string) => (p in params ? String(params[p]) : m)) : text;
}

export function toLang(tag: string | null | undefined): Lang | null {
  const base = tag?.toLowerCase().split(/[-_]/)[0];
  return base === 'de' || base === 'en' ? base : null;
}

/**
 * The person's own choice (stored), else their browser's language (the
 * first of `navigator.languages` we speak), else the tenant's default,
 * else English. A person's language is theirs: a German workspace does not
 * turn an English browser German, nor the other way round.
 */
export function initialLang(tenantLocale?: string | null, browser: readonly string[] = browserLanguages()): Lang {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORAGE);
  } catch {
    stored = null;
  }
  const fromBrowser = browser.map(toLang).find((l): l is Lang => l !== null) ?? null;
  return toLang(stored) ?? fromBrowser ?? toLang(tenantLocale) ?? 'en';
}

function browserLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages?.length ? navigator.languages : navigator.language ? [navigator.language] : [];
}

export interface I18n {
  lang: Lang;
  setLang(l: Lang): void;
  t(key: Key, params?: Params): string;
  number(n: number): string;
  money(amount: number, currency?: string): string;
  date(iso: string): string;
  dateTime(iso: string): string;
  /** A duration in two units, "4m 09s" ("4 min 09 s" in German). */
  duration(secs: number): string;
}

const Ctx = createContext<I18n | null>(null);

export function I18nProvider({ children, tenantLocale }: { children: ReactNode; tenantLocale?: string | null }) {
  const [lang, setLangState] = useState<Lang>(() => initialLang(tenantLocale));
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  // The tenant's locale may arrive after the first render (first visit, no
  // cached branding); it counts only when neither the person nor their
  // browser named a language we speak.
  useEffect(() => {
    setLangState(initialLang(tenantLocale));
  }, [tenantLocale]);
  const setLang = useCallback((l: Lang) => {
    try {
      localStorage.setItem(STORAGE, l);
    } catch {
      // Not persisted; still switches for this page.
    }
    setLangState(l);
  }, []);
  const value = useMemo<I18n>(() => {
    const locale = lang === 'de' ? 'de-DE' : 'en-GB';
    return {
      lang,
      setLang,
      t: (key, params) => translate(lang, key, params),
      number: (n) => new Intl.NumberFormat(locale).format(n),
      money: (amount, currency) => {
        try {
          return new Intl.NumberFormat(locale, {
            style: 'currency',
            currency: currency || 'EUR',
            maximumFractionDigits: 0,
          }).format(amount);
        } catch {
          return `${new Intl.NumberFormat(locale).format(amount)} ${currency ?? ''}`.trim();
        }
      },
      date: (iso) => {
        const d = new Date(iso.length === 10 ? `${iso}T00:00:00` : iso);
        return Number.isNaN(d.getTime()) ? iso : new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(d);
      },
      duration: (secs) =>
        formatDuration(secs, { d: translate(lang, 'unit.d'), h: translate(lang, 'unit.h'), m: translate(lang, 'unit.m'), s: translate(lang, 'unit.s') }),
      dateTime: (iso) => {
        const d = new Date(iso);
        return Number.isNaN(d.getTime())
          ? iso
          : new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
      },
    };
  }, [lang, setLang]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
