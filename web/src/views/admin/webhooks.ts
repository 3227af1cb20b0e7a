// The webhooks page's rules: an endpoint as the form edits it and as the
// server takes it, which events it asks for (all, whole kinds ticked, or
// exact types typed), and its state in words (active, failing, disabled).
import { ApiError } from '../../api/problem';
import type { Webhook, WebhookInput } from '../../api/webhooks';
import type { I18n } from '../../i18n';
import { describeError } from '../../ui/errors';

/** The kinds offered as one tick each (`<kind>.*`); others can be typed. */
export const EVENT_KINDS = ['contact', 'company', 'deal', 'ticket', 'activity', 'comment'] as const;

export interface EventChoice {
  /** `*`: every event, the server's default. */
  all: boolean;
  /** Kinds ticked: each becomes `<kind>.*`. */
  kinds: string[];
  /** Further patterns as typed (`contact.created ticket.*`), comma or space between them. */
  other: string;
}

export interface WebhookDraft {
  url: string;
  description: string;
  events: EventChoice;
  /** Topics as typed, comma or space between them; empty: every record. */
  topics: string;
  role: string;
}

/** Words of a comma- or space-separated list, trimmed and each once. */
export const splitWords = (s: string) => [...new Set(s.split(/[\s,]+/).filter(Boolean))];

export function eventTypesOf(c: EventChoice): string[] {
  if (c.all) return ['*'];
  return [...new Set([...c.kinds.map((k) => `${k}.*`), ...splitWords(c.other)])];
}

/** The form's view of a saved list: a ticked kind for each `<kind>.*` it offers, the rest as text. */
export function choiceOf(types: string[]): EventChoice {
  if (types.includes('*')) return { all: true, kinds: [], other: '' };
  const offered = (p: string) => p.endsWith('.*') && (EVENT_KINDS as readonly string[]).includes(p.slice(0, -2));
  return {
    all: false,
    kinds: types.filter(offered).map((p) => p.slice(0, -2)),
    other: types.filter((p) => !offered(p)).join(', '),
  };
}

export const newDraft = (role = 'viewer'): WebhookDraft => ({
  url: '',
  description: '',
  events: { all: true, kinds: [], other: '' },
  topics: '',
  role,
});

export const draftOf = (w: Webhook): WebhookDraft => ({
  url: w.url,
  description: w.description,
  events: choiceOf(w.event_types),
  topics: w.topics.join(', '),
  role: w.role,
});

/** What `POST /webhooks` and `PATCH /webhooks/{id}` take: every field, so an edit is the form as shown. */
export const inputOf = (d: WebhookDraft): WebhookInput => ({
  url: d.url.trim(),
  description: d.description.trim(),
  event_types: eventTypesOf(d.events),
  topics: splitWords(d.topics),
  role: d.role,
});

/** What the form can tell before asking the server: "some events" with none chosen. */
export function localErrors(d: WebhookDraft, t: I18n['t']): Record<string, string> {
  return eventTypesOf(d.events).length ? {} : { event_types: t('webhooks.eventsNone') };
}

export type WebhookState = 'active' | 'failing' | 'disabled';

export function stateOf(w: Webhook): WebhookState {
  if (!w.enabled) return 'disabled';
  return w.failing_since || w.attempts > 0 ? 'failing' : 'active';
}

/**
 * Why an endpoint is off, in the person's language. The server says it in
 * English prose (src/integrations/webhooks): its two known phrasings are
 * translated; anything else is shown as the server wrote it.
 */
export function disabledReason(reason: string | null, i18n: I18n): string {
  if (!reason) return i18n.t('webhooks.reasonUnknown');
  if (reason === 'disabled by an admin') return i18n.t('webhooks.reasonAdmin');
  const gaveUp = /^failing since (\S+): (.*)$/s.exec(reason);
  if (gaveUp && !Number.isNaN(Date.parse(gaveUp[1]!))) {
    return i18n.t('webhooks.reasonFailing', { since: i18n.dateTime(gaveUp[1]!), error: gaveUp[2]! });
  }
  return reason;
}

/** A list of patterns for the eye: "All events" for `*`. */
export const eventsLabel = (types: string[], t: I18n['t']) => (types.includes('*') ? t('webhooks.allEvents') : types.join(', '));

/** The receiver's answer, shortened for a table cell (the log keeps up to 1 KiB). */
export const excerpt = (s: string, max = 80) => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** The fields the form shows the server's word beside; others are said above it. */
const PLACED = ['url', 'description', 'event_types', 'topics', 'role'];

/**
 * A refused save, for the form: field errors at their fields, the rest
 * above it. A `403` on a save names the role (the server refuses a role
 * with permissions the admin lacks that way, without `errors[]`).
 */
export function saveProblem(e: unknown, i18n: I18n): { error: string; fields: Record<string, string> } {
  if (e instanceof ApiError && e.status === 422 && Object.keys(e.fieldErrors).length) {
    const fields = e.fieldErrors;
    const other = Object.entries(fields).filter(([f]) => !PLACED.includes(f)).map(([f, m]) => `${f}: ${m}`);
    return { error: [i18n.t('webhooks.fix'), ...other].join(' '), fields };
  }
  if (e instanceof ApiError && e.status === 403 && /^role\b/.test(e.detail)) {
    return { error: i18n.t('webhooks.fix'), fields: { role: i18n.t('webhooks.roleForbidden') } };
  }
  return { error: describeError(e, i18n), fields: {} };
}
