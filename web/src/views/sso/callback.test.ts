// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { readCallbackHash, safeReturnTo } from './callback';

describe('the fragment the server sends back after single sign-on', () => {
  it('holds a code and where to return, or an error, or nothing', () => {
    expect(readCallbackHash('#code=abc123&return_to=%2Ft%2Facme%2Fdeals%3Fq%3D1')).toEqual({ kind: 'code', code: 'abc123', returnTo: '/t/acme/deals?q=1' });
    expect(readCallbackHash('#code=abc123')).toEqual({ kind: 'code', code: 'abc123', returnTo: null });
    expect(readCallbackHash('#error=sso_denied')).toEqual({ kind: 'error', error: 'sso_denied' });
    // An error wins over a code that came with it.
    expect(readCallbackHash('#code=abc&error=sso_state_invalid')).toEqual({ kind: 'error', error: 'sso_state_invalid' });
    expect(readCallbackHash('')).toEqual({ kind: 'none' });
    expect(readCallbackHash('#code=')).toEqual({ kind: 'none' });
  });
});

describe('where the app goes once signed in', () => {
  it('follows a path in this workspace', () => {
    expect(safeReturnTo('acme', '/t/acme/deals/42')).toBe('/t/acme/deals/42');
    expect(safeReturnTo('acme', '/t/acme/contacts?q=ann#top')).toBe('/t/acme/contacts?q=ann#top');
  });

  it.each([
    ['an absolute address', 'https://evil.example/t/acme/deals'],
    ['a scheme-relative address', '//evil.example/t/acme/'],
    ['a javascript: address', 'javascript:alert(1)//t/acme/'],
    ["another workspace's path", '/t/other/deals'],
    ['a workspace whose name only starts alike', '/t/acme-evil/deals'],
    ['the workspace without a path', '/t/acme'],
    ['a backslash some browsers read as a host', '/t/acme/\\evil.example'],
    ['a control character', '/t/acme/\tdeals'],
    ['a way out by dot segments', '/t/acme/%2e%2e/other/deals'],
    ['the sign-in page', '/t/acme/login?next=/t/acme/'],
    ['the way back from single sign-on', '/t/acme/login/sso'],
    ['nothing', null],
  ])('never follows %s', (_what, raw) => {
    expect(safeReturnTo('acme', raw)).toBeNull();
  });
});
