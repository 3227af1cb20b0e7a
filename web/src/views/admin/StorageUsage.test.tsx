import { cleanup, screen, waitFor } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { StorageUsage as Usage } from '../../api/files';
import { json, renderApp } from '../../test/render';
import { StorageUsage } from './StorageUsage';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const show = (usage: Usage | null) =>
  renderApp(<StorageUsage />, (_m, path) =>
    path === '/storage/usage' ? (usage ? json(200, usage) : json(404, { status: 404, code: 'not_found', detail: 'no route' })) : undefined,
  { signedIn: true });

it('says how much of the quota the files take, as a bar and in words', async () => {
  show({ used_bytes: 90 * 1024 * 1024, quota_bytes: 100 * 1024 * 1024, files: 3, max_upload_bytes: 25 * 1024 * 1024, scanning: true });
  const bar = await screen.findByRole('meter', { name: 'Storage' });
  expect(bar.getAttribute('aria-valuetext')).toBe('90 MB of 100 MB used (90 %)');
  expect((bar.firstElementChild as HTMLElement).style.width).toBe('90%');
  const panel = screen.getByTestId('storage-usage');
  expect(panel.getAttribute('data-level')).toBe('high');
  expect(panel.textContent).toContain('3 files · files up to 25 MB each · uploads are scanned for viruses');
});

it('says when it is full, and that there is no limit when there is none', async () => {
  show({ used_bytes: 2048, quota_bytes: 1024, files: 1, max_upload_bytes: 1024 });
  await screen.findByText(/The storage is full/);
  expect(screen.getByTestId('storage-usage').textContent).toContain('1 file ·');
  cleanup();
  show({ used_bytes: 1536, quota_bytes: null, files: 2, max_upload_bytes: 1024 });
  await screen.findByText('1.5 KB used (no limit)');
  expect(screen.queryByRole('meter')).toBeNull();
});

it('says a little as a little, not as nothing', async () => {
  show({ used_bytes: 267, quota_bytes: 20 * 1024 ** 3, files: 2, max_upload_bytes: 1024 });
  expect((await screen.findByRole('meter')).getAttribute('aria-valuetext')).toBe('267 B of 20 GB used (< 1 %)');
});

it('shows nothing on a server without attachments', async () => {
  const { calls } = show(null);
  await waitFor(() => expect(calls.some((c) => c.path === '/storage/usage')).toBe(true));
  await waitFor(() => expect(screen.queryByTestId('storage-usage')).toBeNull());
});
