// Renders a view the way the app does (i18n, session, services) against a
// scripted server: `routes` answers each API call. For component tests.
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { vi } from 'vitest';
import { createServices } from '../app/services';
import { SessionProvider } from '../app/session';
import { I18nProvider } from '../i18n';
import { FakeSocket } from '../realtime/fake-socket';

export type Handler = (method: string, path: string, body: unknown, headers: Record<string, string>) => Response | undefined;

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
  });

export function renderApp(ui: ReactElement, handler: Handler, opts: { signedIn?: boolean } = {}) {
  const calls: { method: string; path: string; body: unknown; headers: Record<string, string> }[] = [];
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const url = new URL(String(input), 'http://localhost');
      const path = url.pathname.replace(/^\/t\/acme\/api\/v1/, '') + url.search;
      const method = init.method ?? 'GET';
      const body = typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : init.body;
      const headers = (init.headers ?? {}) as Record<string, string>;
      calls.push({ method, path, body, headers });
      if (path === '/realtime/ticket') return json(200, { ticket: 't', expires_in: 30 });
      return handler(method, path, body, headers) ?? json(404, { status: 404, code: 'not_found', detail: 'no route' });
    }),
  );
  localStorage.clear();
  localStorage.setItem('mandant:lang', 'en');
  const services = createServices('acme');
  if (opts.signedIn) {
    services.tokens.set({ access_token: 'x.eyJzdWIiOiJ1MSJ9.y', refresh_token: 'r', token_type: 'Bearer', expires_in: 900 });
  }
  const result = render(
    <I18nProvider>
      <SessionProvider services={services}>{ui}</SessionProvider>
    </I18nProvider>,
  );
  return { ...result, calls, services };
}
