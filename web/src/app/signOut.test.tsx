// Signing out: a session that came from single sign-on goes on to its
// identity provider's sign-out page (`200 {end_session_url}`), but only
// once this device holds nothing of it; `204` stays here as before.
import { act, cleanup, screen } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { json, renderApp } from '../test/render';
import { browser } from './leave';
import { useSession, type Session } from './session';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

let session: Session | null = null;
function Probe() {
  session = useSession();
  return <p>{session.signedIn ? 'signed in' : 'signed out'}</p>;
}

/** Signs out against a server whose `POST /auth/logout` answers `logout`; what the browser was sent to, and whether the tokens were gone by then. */
async function signOut(logout: () => Response, opts?: { leaveProvider?: boolean }) {
  const left: { url: string; tokensThen: string | null }[] = [];
  vi.spyOn(browser, 'leave').mockImplementation((url) => {
    left.push({ url, tokensThen: localStorage.getItem('mandant:session:acme') });
  });
  const { calls } = renderApp(<Probe />, (method, path) => (method === 'POST' && path === '/auth/logout' ? logout() : undefined), { signedIn: true });
  expect(screen.getByText('signed in')).toBeTruthy();
  await act(() => session!.signOut(opts));
  expect(screen.getByText('signed out')).toBeTruthy();
  expect(localStorage.getItem('mandant:session:acme')).toBeNull();
  const logoutCall = calls.find((c) => c.path === '/auth/logout');
  expect(logoutCall?.headers.authorization).toBe('Bearer x.eyJzdWIiOiJ1MSJ9.y');
  return left;
}

const IDP = 'https://idp.example/oidc/logout?id_token_hint=abc&post_logout_redirect_uri=https%3A%2F%2Fcrm.example%2Ft%2Facme%2Flogin';

it("clears the tokens, then goes to the identity provider's sign-out page", async () => {
  const left = await signOut(() => json(200, { end_session_url: IDP }));
  expect(left).toEqual([{ url: IDP, tokensThen: null }]);
});

it('stays here for a password session (204)', async () => {
  expect(await signOut(() => new Response(null, { status: 204 }))).toEqual([]);
});

it('stays here when asked to, or when the address is not a web page', async () => {
  expect(await signOut(() => json(200, { end_session_url: IDP }), { leaveProvider: false })).toEqual([]);
  cleanup();
  expect(await signOut(() => json(200, { end_session_url: 'javascript:alert(document.cookie)' }))).toEqual([]);
});

it('still signs out here when the server answers with an error', async () => {
  expect(await signOut(() => json(503, { status: 503, code: 'unavailable' }))).toEqual([]);
});
