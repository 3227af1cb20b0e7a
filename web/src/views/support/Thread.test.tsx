import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { StoredFile } from '../../api/files';
import { ApiError } from '../../api/problem';
import type { Comment } from '../../api/support';
import { I18nProvider } from '../../i18n';
import { json, renderApp } from '../../test/render';
import type { Uploader } from '../files/useUploads';
import { Thread } from './Thread';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

const c = (id: string, author: string, internal = false): Comment => ({
  id, ticket_id: 't', body: `Body ${id}`, internal, author_id: author, created_at: '2026-05-04T09:00:00Z',
});

function renderThread(canInternal: boolean, onSend = vi.fn(async () => undefined), onEditing = vi.fn()) {
  localStorage.setItem('mandant:lang', 'en');
  render(
    <I18nProvider>
      <Thread
        comments={[c('1', 'me'), c('2', 'u2'), c('3', 'ghost', true)]}
        selfId="me"
        nameOf={(x) => (x.author_id === 'u2' ? 'Bea' : null)}
        unknownAuthor="Someone"
        canReply
        canInternal={canInternal}
        onSend={onSend}
        onEditing={onEditing}
      />
    </I18nProvider>,
  );
  return { onSend, onEditing };
}

it('names authors, marks internal notes, and sends a note as internal only when chosen', async () => {
  const { onSend, onEditing } = renderThread(true);
  const items = screen.getAllByRole('listitem');
  expect(items.map((li) => li.querySelector('strong')?.textContent)).toEqual(['You', 'Bea', 'Someone']);
  expect(items[2]!.getAttribute('data-internal')).toBe('true');

  fireEvent.change(screen.getByPlaceholderText('Write a reply…'), { target: { value: ' Hello ' } });
  expect(onEditing).toHaveBeenLastCalledWith(true);
  fireEvent.click(screen.getByRole('button', { name: 'Send reply' }));
  await waitFor(() => expect(onSend).toHaveBeenCalledWith('Hello', false, []));
  await waitFor(() => expect(onEditing).toHaveBeenLastCalledWith(false));

  fireEvent.click(screen.getByRole('radio', { name: 'Internal note' }));
  fireEvent.change(screen.getByPlaceholderText('Only your colleagues see this note.'), { target: { value: 'psst' } });
  fireEvent.click(screen.getByRole('button', { name: 'Add note' }));
  await waitFor(() => expect(onSend).toHaveBeenLastCalledWith('psst', true, []));
});

it('offers no internal notes to someone who may not write them', () => {
  renderThread(false);
  expect(screen.queryByRole('radio', { name: 'Internal note' })).toBeNull();
  expect(screen.getByRole('button', { name: 'Send reply' })).toBeTruthy();
  // Nor files, where no uploader is given.
  expect(screen.queryByLabelText('Attach files')).toBeNull();
});

const stored = (id: string, name: string, internal: boolean): StoredFile => ({
  id, record_kind: 'ticket', record_id: 't', comment_id: null, name, content_type: 'image/png', size: 2048, sha256: '00', internal,
  created_by: 'me', created_at: '2026-05-04T09:00:00Z', download_url: `/f/${id}`, download_expires_at: '2026-05-04T09:05:00Z',
});

function renderWithFiles(canInternal: boolean, send: Uploader['send'], onSend = vi.fn(async () => undefined), comments: Comment[] = []) {
  const discard = vi.fn(async () => undefined);
  const r = renderApp(
    <Thread comments={comments} selfId="me" nameOf={() => null} unknownAuthor="Support team" canReply canInternal={canInternal}
      onSend={onSend} uploader={{ send, discard, maxBytes: 1024 * 1024 }} />,
    (_m, path) => (path.startsWith('/files/') ? json(200, stored(path.split('/')[2]!, 'Foto.png', false)) : undefined),
    { signedIn: true },
  );
  return { ...r, onSend, discard };
}

it('uploads a note’s files as internal when it is sent, then names them on the comment', async () => {
  let n = 0;
  const send = vi.fn<Uploader['send']>(async (f, internal, onProgress) => {
    onProgress(f.size, f.size);
    return stored(`f${++n}`, f.name, internal === true);
  });
  const { onSend } = renderWithFiles(true, send);
  fireEvent.click(screen.getByRole('radio', { name: 'Internal note' }));
  fireEvent.change(screen.getByPlaceholderText('Only your colleagues see this note.'), { target: { value: 'Serial number on the photo' } });
  const photo = new File(['png!'], 'Foto.png', { type: 'image/png' });
  const log = new File(['log'], 'server.log', { type: 'text/plain' });
  fireEvent.change(screen.getByLabelText('Attach files'), { target: { files: [photo, log] } });
  // Chosen, not sent yet: they go with the message.
  expect(screen.getAllByText('goes with the message')).toHaveLength(2);
  expect(send).not.toHaveBeenCalled();
  fireEvent.click(screen.getByRole('button', { name: 'Add note' }));
  await waitFor(() => expect(onSend).toHaveBeenCalledWith('Serial number on the photo', true, ['f1', 'f2']));
  expect(send.mock.calls.map((c) => [c[0].name, c[1]])).toEqual([['Foto.png', true], ['server.log', true]]);
  await waitFor(() => expect(screen.queryByTestId('uploads')).toBeNull());
});

it('sends no internality for a portal person, and keeps a refused file with its reason', async () => {
  const send = vi.fn<Uploader['send']>(async (f) => {
    if (f.name === 'big.zip') throw new ApiError({ status: 413, code: 'payload_too_large', detail: 'The file is larger than 1 MiB.' });
    return stored('f1', f.name, false);
  });
  const { onSend, discard } = renderWithFiles(false, send);
  fireEvent.change(screen.getByPlaceholderText('Write a reply…'), { target: { value: 'Here you go' } });
  fireEvent.change(screen.getByLabelText('Attach files'), { target: { files: [new File(['a'], 'a.txt'), new File(['z'], 'big.zip')] } });
  fireEvent.click(screen.getByRole('button', { name: 'Send reply' }));
  await screen.findByText('big.zip was not added: The file is larger than 1 MiB.');
  expect((await screen.findAllByRole('alert')).map((a) => a.textContent)).toContain('Not sent: a file could not be attached. Remove it or try again.');
  expect(onSend).not.toHaveBeenCalled();
  expect(send.mock.calls.map((c) => c[1])).toEqual([undefined, undefined]);
  // Taken out, the reply goes with the file that went already (not sent twice).
  fireEvent.click(screen.getByRole('button', { name: 'Remove big.zip' }));
  fireEvent.click(screen.getByRole('button', { name: 'Send reply' }));
  await waitFor(() => expect(onSend).toHaveBeenCalledWith('Here you go', false, ['f1']));
  expect(send).toHaveBeenCalledTimes(2);
  expect(discard).not.toHaveBeenCalled();
});

it('shows a comment’s files as links that download them', async () => {
  const followed: string[] = [];
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    followed.push(this.getAttribute('href') ?? '');
  });
  const withFiles = { ...c('9', 'u2'), attachments: [{ id: 'f7', name: 'Foto.png', size: 2048, content_type: 'image/png' }] };
  const { calls } = renderWithFiles(false, vi.fn(), undefined, [withFiles]);
  const files = screen.getByTestId('comment-files');
  expect(files.textContent).toContain('2 KB');
  fireEvent.click(within(files).getByRole('button', { name: 'Download Foto.png' }));
  await waitFor(() => expect(followed).toEqual(['/f/f7']));
  expect(calls.filter((x) => x.path === '/files/f7')).toHaveLength(1);
});
