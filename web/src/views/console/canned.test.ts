// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { insertAt } from '../support/insert';
import { filterReplies } from './canned';

const r = (name: string) => ({ name, body: '' });

describe('finding a canned reply by name', () => {
  it('matches any part, any case, accents or not; names starting with it first', () => {
    const all = [r('Closing'), r('Über uns'), r('Printer: close lid'), r('Greeting')];
    expect(filterReplies(all, '').map((x) => x.name)).toEqual(['Closing', 'Über uns', 'Printer: close lid', 'Greeting']);
    expect(filterReplies(all, ' CLO').map((x) => x.name)).toEqual(['Closing', 'Printer: close lid']);
    expect(filterReplies(all, 'uber').map((x) => x.name)).toEqual(['Über uns']);
    expect(filterReplies(all, 'lid').map((x) => x.name)).toEqual(['Printer: close lid']);
  });
});

describe('putting text at the cursor', () => {
  it('puts a reply on its own lines, and a placeholder as it is', () => {
    expect(insertAt('', 0, 0, 'Hello')).toEqual({ value: 'Hello', caret: 5 });
    expect(insertAt('Dear Ann,See you', 9, 9, 'Thanks.')).toEqual({ value: 'Dear Ann,\nThanks.\nSee you', caret: 17 });
    expect(insertAt('Dear Ann,\n', 10, 10, 'Thanks.')).toEqual({ value: 'Dear Ann,\nThanks.', caret: 17 });
    expect(insertAt('Hi NAME!', 3, 7, '{{contact.name}}', false)).toEqual({ value: 'Hi {{contact.name}}!', caret: 19 });
  });
});
