import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterEach, expect, it } from 'vitest';
import { useLiveLoad } from './useLoad';

afterEach(cleanup);

it('replays live changes that arrived while a reload was on its way onto its answer', async () => {
  let answer: (v: string[]) => void = () => undefined;
  let calls = 0;
  const { result } = renderHook(() =>
    useLiveLoad<string[]>(() => {
      calls++;
      return calls === 1 ? Promise.resolve(['a']) : new Promise((r) => (answer = r));
    }, []),
  );
  await waitFor(() => expect(result.current.data).toEqual(['a']));

  act(() => result.current.reload());
  // While the server's (older) answer is on its way, an event adds "b".
  act(() => result.current.apply((s) => (s.includes('b') ? s : [...s, 'b'])));
  expect(result.current.data).toEqual(['a', 'b']);
  await act(async () => answer(['a', 'c']));
  // The answer knew nothing of "b": it is applied again, not lost.
  expect(result.current.data).toEqual(['a', 'c', 'b']);

  // With nothing loading, a change just applies (and is not kept around).
  act(() => result.current.apply((s) => [...s, 'd']));
  expect(result.current.data).toEqual(['a', 'c', 'b', 'd']);
});
