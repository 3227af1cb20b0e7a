// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import { ApiClient, refresher } from './client';
import { getMailSettings, inboundHookUrl, saveMailSettings, tokenedShape } from './mail';
import { ApiError } from './problem';
import { TokenStore } from './tokens';

function memStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, v),
  };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });

/** A client whose fetch answers with `handler`. */
function setup(handler: (url: string, init: RequestInit) => Response) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetchImpl = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    calls.push({ url: String(input), init });
    return handler(String(input), init);
  }) as unknown as typeof fetch;
  const tokens = new TokenStore('acme', refresher('acme', fetchImpl), memStorage());
  tokens.set({ access_token: 'a1', refresh_token: 'r1', token_type: 'Bearer', expires_in: 900 });
  return { api: new ApiClient('acme', tokens, {}, fetchImpl), calls };
}

const sent = (init: RequestInit) => JSON.parse(String(init.body)) as unknown;

describe('the e-mail settings', () => {
  it('reads the reply address, set or not', async () => {
    const { api, calls } = setup(() => json(200, { reply_address: 'help@acme.example' }));
    expect(await getMailSettings(api)).toEqual({ reply_address: 'help@acme.example' });
    expect(calls[0]!.url).toBe('/t/acme/api/v1/settings/mail');
    expect(calls[0]!.init.method ?? 'GET').toBe('GET');
    expect((calls[0]!.init.headers as Record<string, string>).authorization).toBe('Bearer a1');

    const unset = setup(() => json(200, { reply_address: null }));
    expect((await getMailSettings(unset.api)).reply_address).toBeNull();
  });

  it('saves it trimmed, and a blank or cleared one as null', async () => {
    const { api, calls } = setup((_, init) => json(200, sent(init)));
    expect(await saveMailSettings(api, '  Help@Acme.example ')).toEqual({ reply_address: 'Help@Acme.example' });
    expect(await saveMailSettings(api, '   ')).toEqual({ reply_address: null });
    expect(await saveMailSettings(api, null)).toEqual({ reply_address: null });
    expect(calls.map((c) => [c.init.method, c.url])).toEqual(Array(3).fill(['PUT', '/t/acme/api/v1/settings/mail']));
    expect(calls.map((c) => sent(c.init))).toEqual([
      { reply_address: 'Help@Acme.example' },
      { reply_address: null },
      { reply_address: null },
    ]);
    expect((calls[0]!.init.headers as Record<string, string>)['content-type']).toBe('application/json');
  });

  it('hands over the server’s refusal with the field it names', async () => {
    const { api } = setup(() =>
      json(422, {
        status: 422, code: 'validation_failed', detail: 'reply_address must be a plain address (no +, at most 40 characters before the @)',
        errors: [{ field: 'reply_address', message: 'must be a plain address (no +, at most 40 characters before the @)' }],
      }),
    );
    const e = await saveMailSettings(api, 'help+desk@acme.example').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).status).toBe(422);
    expect((e as ApiError).fieldErrors).toEqual({ reply_address: 'must be a plain address (no +, at most 40 characters before the @)' });
  });
});

describe('what the settings page explains', () => {
  it('names the inbound hook of the workspace at the app’s origin', () => {
    expect(inboundHookUrl('https://crm.example.com', 'acme')).toBe('https://crm.example.com/t/acme/api/v1/mail/inbound');
  });

  it('shows the Reply-To a reply carries, in lower case, with the token left out', () => {
    expect(tokenedShape(' Help@Acme.example ')).toBe('help+r-…@acme.example');
    expect(tokenedShape('nope')).toBeNull();
    expect(tokenedShape('@acme.example')).toBeNull();
  });
});
