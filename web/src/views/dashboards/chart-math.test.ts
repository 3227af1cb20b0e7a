// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { barLengths, niceMax, pushPoint, sparkPath } from './chart-math';

describe('chart arithmetic', () => {
  it('rounds an axis up to a number people read', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(13)).toBe(20);
    expect(niceMax(230)).toBe(250);
    expect(niceMax(80091)).toBe(100000);
    expect(niceMax(1)).toBe(1);
  });

  it('sizes bars on a shared axis; any positive value stays visible', () => {
    expect(barLengths([5, 10, 0], 100)).toEqual([50, 100, 0]);
    expect(barLengths([0.001, 1000], 100)[0]).toBe(2);
  });

  it('draws a path through the points, higher values higher up', () => {
    expect(sparkPath([], 100, 20)).toBe('');
    expect(sparkPath([{ at: 0, value: 1 }, { at: 10, value: 3 }], 100, 20, 0)).toBe('M0,20 L100,0');
    expect(sparkPath([{ at: 5, value: 4 }], 100, 20, 0)).toBe('M0,10 L100,10');
  });

  it('keeps a rolling history at one point per second', () => {
    let h = pushPoint([], { at: 0, value: 1 });
    h = pushPoint(h, { at: 400, value: 2 });
    expect(h).toEqual([{ at: 400, value: 2 }]);
    h = pushPoint(h, { at: 2000, value: 3 });
    expect(h).toHaveLength(2);
    h = pushPoint(h, { at: 31 * 60_000, value: 4 });
    expect(h).toEqual([{ at: 31 * 60_000, value: 4 }]);
  });
});
