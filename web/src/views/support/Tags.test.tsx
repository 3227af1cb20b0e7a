import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { renderApp } from '../../test/render';
import { TagEditor } from './Tags';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

it('adds typed tags, removes a chip, and refuses a tag that is too long in words', async () => {
  const onChange = vi.fn(async () => undefined);
  renderApp(<TagEditor tags={['vip']} canEdit onChange={onChange} />, () => undefined);
  fireEvent.change(screen.getByRole('textbox', { name: 'Add a tag' }), { target: { value: 'billing, vip' } });
  fireEvent.click(screen.getByRole('button', { name: 'Add' }));
  await waitFor(() => expect(onChange).toHaveBeenCalledWith(['vip', 'billing']));

  fireEvent.click(screen.getByRole('button', { name: 'Remove tag “vip”' }));
  await waitFor(() => expect(onChange).toHaveBeenLastCalledWith([]));

  fireEvent.change(screen.getByRole('textbox', { name: 'Add a tag' }), { target: { value: 'x'.repeat(51) } });
  fireEvent.click(screen.getByRole('button', { name: 'Add' }));
  expect((await screen.findByRole('alert')).textContent).toBe('A tag can have at most 50 characters.');
  expect(onChange).toHaveBeenCalledTimes(2);
});

it('only shows the tags to someone who may not change the ticket', () => {
  renderApp(<TagEditor tags={['vip']} canEdit={false} onChange={async () => undefined} />, () => undefined);
  expect(screen.getByText('vip')).toBeTruthy();
  expect(screen.queryByRole('textbox')).toBeNull();
  expect(screen.queryByRole('button')).toBeNull();
});
