import { describe, expect, it } from 'vitest';
import { addTags, parseTags, removeTag, sameTags } from './tags';

describe('tags', () => {
  it('reads what the person typed: commas, spaces, empties', () => {
    expect(parseTags(' vip,  billing ,, ')).toEqual(['vip', 'billing']);
    expect(parseTags('')).toEqual([]);
  });
  it('adds each tag once', () => {
    expect(addTags(['vip'], 'billing, vip')).toEqual({ tags: ['vip', 'billing'] });
  });
  it('refuses a tag longer than 50 characters, and a 51st tag, changing nothing', () => {
    expect(addTags(['a'], `ok, ${'x'.repeat(51)}`)).toEqual({ tags: ['a'], problem: 'tooLong' });
    expect(addTags(['a'], 'ü'.repeat(50)).problem).toBeUndefined();
    const fifty = Array.from({ length: 50 }, (_, i) => `t${i}`);
    expect(addTags(fifty, 'one more')).toEqual({ tags: fifty, problem: 'tooMany' });
  });
  it('removes a tag and compares sets', () => {
    expect(removeTag(['a', 'b'], 'a')).toEqual(['b']);
    expect(sameTags(['a', 'b'], ['b', 'a'])).toBe(true);
    expect(sameTags(['a'], ['a', 'b'])).toBe(false);
    expect(sameTags(undefined, [])).toBe(true);
  });
});
