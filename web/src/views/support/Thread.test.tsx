import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { Comment } from '../../api/support';
import { I18nProvider } from '../../i18n';
import { Thread } from './Thread';

afterEach(cleanup);

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
  await waitFor(() => expect(onSend).toHaveBeenCalledWith('Hello', false));
  await waitFor(() => expect(onEditing).toHaveBeenLastCalledWith(false));

  fireEvent.click(screen.getByRole('radio', { name: 'Internal note' }));
  fireEvent.change(screen.getByPlaceholderText('Only your colleagues see this note.'), { target: { value: 'psst' } });
  fireEvent.click(screen.getByRole('button', { name: 'Add note' }));
  await waitFor(() => expect(onSend).toHaveBeenLastCalledWith('psst', true));
});

it('offers no internal notes to someone who may not write them', () => {
  renderThread(false);
  expect(screen.queryByRole('radio', { name: 'Internal note' })).toBeNull();
  expect(screen.getByRole('button', { name: 'Send reply' })).toBeTruthy();
});
