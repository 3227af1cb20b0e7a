// The arithmetic behind the dashboard charts, apart from drawing, so it is
// tested: a round upper bound for an axis, bar lengths, a sparkline path.

/** The smallest 1/2/2.5/5 × 10^n at or above `max` (an axis end people can read). */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const exp = Math.floor(Math.log10(max));
  const base = 10 ** exp;
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * base >= max) return step * base;
  }
  return 10 * base;
}

/** Bar lengths out of `width` for `values` on a shared axis. */
export function barLengths(values: number[], width: number): number[] {
  const top = niceMax(Math.max(0, ...values));
  return values.map((v) => (v > 0 ? Math.max(2, (v / top) * width) : 0));
}

export interface Point {
  at: number;
  value: number;
}

/**
 * An SVG path through the points, time along x and value up y, inside
 * `w`×`h` with `pad` around. One point draws a flat line; none, nothing.
 */
export function sparkPath(points: Point[], w: number, h: number, pad = 2): string {
  if (points.length === 0) return '';
  const xs = points.map((p) => p.at);
  const ys = points.map((p) => p.value);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const x = (v: number) => (x1 === x0 ? (points.length === 1 ? pad : w - pad) : pad + ((v - x0) / (x1 - x0)) * (w - 2 * pad));
  const y = (v: number) => (y1 === y0 ? h / 2 : h - pad - ((v - y0) / (y1 - y0)) * (h - 2 * pad));
  const r = (n: number) => Math.round(n * 10) / 10;
  const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${r(x(p.at))},${r(y(p.value))}`).join(' ');
  return points.length === 1 ? `${d} L${r(w - pad)},${r(y(points[0]!.value))}` : d;
}

/** Keeps a rolling history: appends, and drops what is older than `keepMs` (at most `max` points). */
export function pushPoint(history: Point[], p: Point, keepMs = 30 * 60_000, max = 240): Point[] {
  const last = history[history.length - 1];
  // Frames come at most every 250 ms; a point per second is plenty.
  const next = last && p.at - last.at < 1000 ? [...history.slice(0, -1), p] : [...history, p];
  const fresh = next.filter((x) => p.at - x.at <= keepMs);
  return fresh.slice(-max);
}
