import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Comment, Ticket } from '../../api/support';
import type { Contact, Deal, Me, Pipeline } from '../../api/types';
import { I18nProvider } from '../../i18n';
import { FakeSocket } from '../../realtime/fake-socket';
import { json, renderApp, type Handler } from '../../test/render';
import { TicketPanel } from '../console/TicketPanel';
import { CONTACTS } from '../crm/kinds';
import { RecordDetail } from '../crm/RecordDetail';
import { RecordList } from '../crm/RecordList';
import { DealPage } from '../deal/DealPage';
import { AnonymisedNotice } from './AnonymisedNotice';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const AT = '2026-12-06T10:00:00Z';
const mark = (rule: string) => ({ at: AT, rule });

const me: Me = {
  user: { id: 'u1', email: 'a@x.example', name: 'Admin', kind: 'staff', mfa_enabled: false },
  tenant: { id: 't', slug: 'acme', name: 'Acme' },
  roles: ['admin'],
  teams: [],
  permissions: ['contacts:read', 'contacts:write', 'deals:read', 'deals:write', 'tickets:read', 'tickets:write', 'pipelines:read'].map((permission) => ({
    permission, scope: 'all', hidden_fields: [],
  })),
  mfa_enrollment_required: false,
};
const EMPTY = { items: [], next_cursor: null };

/** The app against a scripted server: `more` first, then what every page asks for. */
function app(ui: React.ReactElement, path: string, more: Handler) {
  FakeSocket.all = [];
  history.replaceState(null, '', path);
  return renderApp(
    ui,
    (method, p, body, headers) => {
      const answer = more(method, p, body, headers);
      if (answer) return answer;
      if (p === '/me') return json(200, me);
      if (/^\/(activities|companies|custom-fields|users|contacts)\?/.test(p) || p.startsWith('/tickets?')) return json(200, EMPTY);
      return undefined;
    },
    { signedIn: true },
  );
}

async function socket() {
  await waitFor(() => expect(FakeSocket.all.length).toBeGreaterThan(0));
  const ws = FakeSocket.last();
  act(() => {
    ws.open();
    ws.ackSubscribes(100);
  });
  return ws;
}

const notice = () => screen.getByTestId('anonymised');

// ---- contacts ----

const erika = (version: number, extra: Partial<Contact> = {}): Contact => ({
  id: 'c1', version, created_at: '2025-01-01T00:00:00Z', updated_at: '2025-01-01T00:00:00Z',
  first_name: 'Erika', last_name: 'Muster', email: 'erika@x.example', phone: '+49 30 1', title: 'Buyer', company_id: null, ...extra,
});
/** What the server makes of her: the counted fields kept, the texts gone, the surname a placeholder. */
const anonymisedErika = (version: number): Contact => ({
  id: 'c1', version, created_at: '2025-01-01T00:00:00Z', updated_at: AT, last_name: 'Anonymised', custom: {}, anonymised: mark('Old contacts'),
});

const contactPage = (start: Contact) =>
  app(<RecordDetail meta={CONTACTS} tenant="acme" id="c1" />, '/t/acme/contacts/c1', (_m, p) =>
    p === '/contacts/c1' ? json(200, start, { etag: `"${start.version}"` }) : undefined,
  );
const field = (key: string) => screen.getByTestId('record-fields').querySelector(`[data-field="${key}"] dd`)?.textContent;

describe('the anonymised notice', () => {
  const alone = (lang: 'en' | 'de', ui: React.ReactElement) => {
    localStorage.setItem('mandant:lang', lang);
    return render(<I18nProvider>{ui}</I18nProvider>);
  };

  it('says when, by which rule, and what went, as a polite status (English and German)', () => {
    alone('en', <AnonymisedNotice kind="ticket" mark={mark('Old tickets')} />);
    expect(within(notice()).getByRole('status').textContent).toBe(
      'Anonymised on 6 Dec 2026 by the retention rule “Old tickets”. Its subject, description, requester, tags, custom fields and comments were removed; what reports count (status, priority, dates, queue, assignee, SLA) was kept.',
    );
    cleanup();
    alone('de', <AnonymisedNotice kind="deal" mark={mark('Alte Deals')} />);
    expect(notice().textContent).toBe(
      'Am 06.12.2026 durch die Aufbewahrungsregel „Alte Deals“ anonymisiert. Titel, Kontakte, Schlagwörter und weitere Felder wurden entfernt; was Auswertungen zählen (Betrag, Phase, Datumsangaben, Pipeline, Firma, Verantwortliche), blieb erhalten.',
    );
    cleanup();
    alone('en', <AnonymisedNotice kind="ticket" mark={null} />);
    expect(screen.queryByTestId('anonymised')).toBeNull();
  });

  it('is on an anonymised contact’s page, which shows none of what went', async () => {
    contactPage(anonymisedErika(4));
    await screen.findByRole('heading', { level: 1, name: 'Anonymised' });
    expect(notice().textContent).toContain('Anonymised on 6 Dec 2026 by the retention rule “Old contacts”.');
    expect(notice().textContent).toContain('Their name, e-mail address, phone number');
    expect(field('email')).toBe('—');
  });

  it('is not on a page of a record that was not anonymised', async () => {
    contactPage(erika(3));
    await screen.findByRole('heading', { level: 1, name: 'Erika Muster' });
    expect(screen.queryByTestId('anonymised')).toBeNull();
  });
});

describe('a record anonymised while its page is open', () => {
  it('shows the contact anonymised, live: what it lost does not linger', async () => {
    contactPage(erika(3));
    await screen.findByRole('heading', { level: 1, name: 'Erika Muster' });
    const ws = await socket();
    act(() => {
      ws.receive({ type: 'event', topic: 'record:contact:c1', seq: 101, event: 'contact.anonymised', data: { ...anonymisedErika(4), change: { rule: 'Old contacts' } } });
      ws.receive({ type: 'event', topic: 'record:contact:c1', seq: 102, event: 'contact.updated', data: { ...anonymisedErika(4) } });
    });
    await screen.findByRole('heading', { level: 1, name: 'Anonymised' });
    expect(notice().textContent).toContain('“Old contacts”');
    for (const key of ['first_name', 'email', 'phone', 'title']) expect(field(key), key).toBe('—');
    expect(document.body.textContent).not.toContain('erika@x.example');
    expect(document.body.textContent).not.toContain('Erika');
  });

  it('takes the contact back after a replay whose older events read as an erasure', async () => {
    contactPage(erika(3));
    await screen.findByRole('heading', { level: 1, name: 'Erika Muster' });
    const ws = await socket();
    // After a reconnect: the older events (overwritten), then the anonymisation, in one burst.
    act(() => {
      ws.receive({ type: 'event', topic: 'record:contact:c1', seq: 98, event: 'contact.updated', data: { id: 'c1', erased: true } });
      ws.receive({ type: 'event', topic: 'record:contact:c1', seq: 101, event: 'contact.anonymised', data: { ...anonymisedErika(4), change: { rule: 'Old contacts' } } });
      ws.receive({ type: 'event', topic: 'record:contact:c1', seq: 102, event: 'contact.updated', data: { ...anonymisedErika(4) } });
    });
    await screen.findByRole('heading', { level: 1, name: 'Anonymised' });
    expect(screen.queryByTestId('record-erased')).toBeNull();
    expect(notice().textContent).toContain('“Old contacts”');
    expect(field('email')).toBe('—');
  });

  it('updates a row of the contacts list in place, without its old e-mail', async () => {
    app(<RecordList meta={CONTACTS} tenant="acme" />, '/t/acme/contacts', (_m, p) => (p.startsWith('/contacts?') ? json(200, { items: [erika(3)], next_cursor: null }) : undefined));
    await screen.findByText('erika@x.example');
    const ws = await socket();
    act(() => ws.receive({ type: 'event', topic: 'contacts', seq: 101, event: 'contact.anonymised', data: { ...anonymisedErika(4), change: { rule: 'Old contacts' } } }));
    await screen.findByRole('link', { name: 'Anonymised' });
    expect(screen.queryByText('erika@x.example')).toBeNull();
    expect(screen.queryByText('+49 30 1')).toBeNull();
  });

  it('shows the deal anonymised, live, without its contacts, in its stage with its amount', async () => {
    const pipeline: Pipeline = { id: 'p1', version: 1, created_at: '', updated_at: '', name: 'New business', stages: [{ id: 'lead', name: 'Lead' }, { id: 'won', name: 'Won', won: true }] };
    const deal: Deal = {
      id: 'd1', version: 3, created_at: '2025-01-01T00:00:00Z', updated_at: '2025-01-01T00:00:00Z', title: 'Rollout Müller', amount: 5000, currency: 'EUR',
      pipeline_id: 'p1', stage_id: 'won', contact_ids: ['c1'], tags: ['vip'],
    };
    app(<DealPage tenant="acme" id="d1" />, '/t/acme/deals/d1', (_m, p) => {
      if (p === '/deals/d1') return json(200, deal, { etag: '"3"' });
      if (p.startsWith('/pipelines?')) return json(200, { items: [pipeline], next_cursor: null });
      if (p === '/contacts/c1') return json(200, erika(3));
      return undefined;
    });
    await screen.findByRole('heading', { level: 1, name: 'Rollout Müller' });
    await screen.findByRole('link', { name: 'Erika Muster' });
    const ws = await socket();
    const { contact_ids: _c, tags: _t, ...kept } = deal;
    act(() =>
      ws.receive({ type: 'event', topic: 'record:deal:d1', seq: 101, event: 'deal.anonymised', data: { ...kept, version: 4, title: 'Anonymised', custom: {}, anonymised: mark('Old deals'), change: { rule: 'Old deals' } } }),
    );
    await screen.findByRole('heading', { level: 1, name: 'Anonymised' });
    expect(notice().textContent).toContain('Anonymised on 6 Dec 2026 by the retention rule “Old deals”. Its title, contacts');
    const fields = screen.getByTestId('deal-fields');
    expect(fields.querySelector('[data-field="contact_ids"] dd')?.textContent).toBe('—');
    expect(fields.querySelector('[data-field="amount"] dd')?.textContent).toContain('5,000');
    expect(fields.querySelector('[data-field="stage_id"] dd')?.textContent).toContain('Won');
    expect(screen.queryByRole('link', { name: 'Erika Muster' })).toBeNull();
  });
});

describe('a ticket anonymised while it is open in the console', () => {
  const open: Ticket = {
    id: 't1', version: 3, subject: 'Printer on fire', description: 'Call me on +49 30 1', status: 'closed', priority: 'high', queue_id: null,
    requester_id: 'c1', tags: ['vip'], created_at: '2025-05-04T09:00:00Z', updated_at: '2025-05-04T09:00:00Z',
  };
  const { description: _d, requester_id: _r, tags: _t, ...counted } = open;
  const anonymised: Ticket = { ...counted, version: 4, subject: 'Anonymised', custom: {}, updated_at: AT, anonymised: mark('Old tickets') };
  const comment = (id: string, body: string): Comment => ({ id, ticket_id: 't1', body, internal: false, author_id: 'u2', author_name: 'Erika Muster', created_at: '2025-05-04T09:05:00Z' });

  function panel() {
    return app(
      <TicketPanel tenant="acme" id="t1" queues={[]} wf={null} names={new Map()} back="/t/acme/console" ticketHref={(id) => id} />,
      '/t/acme/console/t1',
      (_m, p) => {
        if (p === '/tickets/t1') return json(200, open, { etag: '"3"' });
        if (p === '/tickets/t1/comments') return json(200, { items: [comment('m1', 'My address is Hauptstr. 1')], next_cursor: null });
        if (p === '/contacts/c1') return json(200, erika(3));
        return undefined;
      },
    );
  }

  it('shows the notice, and neither the subject, the description, the requester nor the comments', async () => {
    panel();
    await screen.findByText('My address is Hauptstr. 1');
    await screen.findAllByRole('link', { name: 'Erika Muster' });
    const ws = await socket();
    // As the server sends them: the comments go first, then the ticket.
    act(() => {
      ws.receive({ type: 'event', topic: 'ticket:t1', seq: 101, event: 'comment.erased', data: { id: 'm1', erased: true, ticket_id: 't1' } });
      ws.receive({ type: 'event', topic: 'ticket:t1', seq: 102, event: 'ticket.anonymised', data: { ...anonymised, change: { rule: 'Old tickets' } } });
      ws.receive({ type: 'event', topic: 'ticket:t1', seq: 103, event: 'ticket.updated', data: { ...anonymised } });
    });
    await screen.findByRole('heading', { name: 'Anonymised' });
    expect(notice().textContent).toContain('Anonymised on 6 Dec 2026 by the retention rule “Old tickets”.');
    const text = screen.getByTestId('ticket').textContent ?? '';
    for (const gone of ['Printer on fire', 'Call me on', 'Hauptstr. 1', 'Erika Muster', 'vip']) expect(text, gone).not.toContain(gone);
  });

  it('takes the ticket back, without comments, after a replay whose older events read as an erasure', async () => {
    panel();
    await screen.findByText('My address is Hauptstr. 1');
    const ws = await socket();
    act(() => {
      ws.receive({ type: 'event', topic: 'ticket:t1', seq: 97, event: 'ticket.updated', data: { id: 't1', erased: true } });
      ws.receive({ type: 'event', topic: 'ticket:t1', seq: 101, event: 'comment.erased', data: { id: 'm1', erased: true, ticket_id: 't1' } });
      ws.receive({ type: 'event', topic: 'ticket:t1', seq: 102, event: 'ticket.anonymised', data: { ...anonymised, change: { rule: 'Old tickets' } } });
    });
    await screen.findByRole('heading', { name: 'Anonymised' });
    expect(screen.queryByTestId('record-erased')).toBeNull();
    expect(notice()).toBeTruthy();
    expect(screen.getByTestId('ticket').textContent).not.toContain('Hauptstr. 1');
  });
});
