import { act, cleanup, render, screen } from '@testing-library/react';
import { StrictMode, useEffect } from 'react';
import { afterEach, expect, it } from 'vitest';
import { navigate, useLocation } from './router';

afterEach(() => {
  cleanup();
  history.replaceState(null, '', '/');
});

/** Like TenantApp's Redirect: navigates from an effect on its first mount. */
function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }));
  return null;
}

function Routes() {
  const { pathname, search } = useLocation();
  if (pathname === '/t/acme/login') return <h1>{`login ${search}`}</h1>;
  return <Redirect to={`/t/acme/login?next=${encodeURIComponent(pathname)}`} />;
}

// Issue 15: the child's effect runs before the parent's, so a router that
// only started listening in its own effect never heard of this navigation
// and kept drawing nothing.
it.each([false, true])('sees a navigation made by a child on its first mount (StrictMode: %s)', async (strict) => {
  history.replaceState(null, '', '/t/acme/contacts');
  await act(async () => {
    render(strict ? <StrictMode><Routes /></StrictMode> : <Routes />);
  });
  expect(location.pathname + location.search).toBe('/t/acme/login?next=%2Ft%2Facme%2Fcontacts');
  expect(screen.getByRole('heading').textContent).toBe('login ?next=%2Ft%2Facme%2Fcontacts');
});

it('follows later navigations and the back button', async () => {
  history.replaceState(null, '', '/t/acme/login');
  function Where() {
    const { pathname, search } = useLocation();
    return <p data-testid="where">{pathname + search}</p>;
  }
  render(<Where />);
  const where = () => screen.getByTestId('where').textContent;
  expect(where()).toBe('/t/acme/login');
  act(() => navigate('/t/acme/contacts?q=x'));
  expect(where()).toBe('/t/acme/contacts?q=x');
  act(() => {
    history.replaceState(null, '', '/t/acme/pipeline');
    window.dispatchEvent(new PopStateEvent('popstate'));
  });
  expect(where()).toBe('/t/acme/pipeline');
});
