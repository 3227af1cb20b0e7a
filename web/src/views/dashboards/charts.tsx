// Small SVG charts, written here rather than pulled from a library: the
// dashboards need bars, a trend line and figures, nothing more. Each chart
// is a <figure> with a caption; the SVG is one labelled image, and the
// numbers are also in a table for screen readers.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { barLengths, sparkPath, type Point } from './chart-math';

export interface Bar {
  key: string;
  label: string;
  value: number;
  /** What to print at the bar's end (defaults to the value). */
  text?: string;
  tone?: 'urgent' | 'high' | 'normal' | 'low' | 'won' | 'lost' | 'default';
}

const ROW = 30;
const LABEL_W = 120;
const VALUE_W = 110;
const WIDTH = 520;

/** Adds a class for a moment when `value` changes: a live update is seen. */
function useFlash(value: unknown): boolean {
  const [on, setOn] = useState(false);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    setOn(true);
    const id = setTimeout(() => setOn(false), 900);
    return () => clearTimeout(id);
  }, [value]);
  return on;
}

export function BarChart({ title, bars, summary, valueHeader }: { title: string; bars: Bar[]; summary: string; valueHeader: string }) {
  const lengths = barLengths(bars.map((b) => b.value), WIDTH - LABEL_W - VALUE_W);
  const height = Math.max(ROW, bars.length * ROW);
  const flash = useFlash(bars.map((b) => `${b.key}=${b.value}`).join());
  return (
    <figure className={`chart${flash ? ' chart--flash' : ''}`}>
      <figcaption className="chart__title">{title}</figcaption>
      <svg className="chart__svg" viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={`${title}: ${summary}`} preserveAspectRatio="xMinYMin meet">
        {bars.map((b, i) => {
          const y = i * ROW;
          return (
            <g key={b.key} className={`bar bar--${b.tone ?? 'default'}`} data-key={b.key} data-value={b.value}>
              <text x={LABEL_W - 8} y={y + ROW / 2} className="bar__label" textAnchor="end" dominantBaseline="middle">{b.label}</text>
              <rect x={LABEL_W} y={y + 6} height={ROW - 12} width={lengths[i]} rx={3} className="bar__rect" />
              <text x={LABEL_W + (lengths[i] ?? 0) + 6} y={y + ROW / 2} className="bar__value" dominantBaseline="middle">{b.text ?? b.value}</text>
            </g>
          );
        })}
      </svg>
      <table className="visually-hidden">
        <caption>{title}</caption>
        <tbody>
          <tr><th scope="col"></th><th scope="col">{valueHeader}</th></tr>
          {bars.map((b) => (
            <tr key={b.key}><th scope="row">{b.label}</th><td>{b.text ?? b.value}</td></tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

export function Sparkline({ title, points, summary, format }: {
  title: string;
  points: Point[];
  summary: string;
  /** How to print a value on the axis (money, counts). */
  format: (v: number) => string;
}) {
  const w = 520;
  const h = 90;
  const left = 70;
  const d = sparkPath(points, w - left, h, 8);
  const values = points.map((p) => p.value);
  const last = points[points.length - 1];
  const [lo, hi] = values.length ? [Math.min(...values), Math.max(...values)] : [0, 0];
  return (
    <figure className="chart chart--trend">
      <figcaption className="chart__title">{title}</figcaption>
      <svg className="chart__svg" viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`${title}: ${summary}`} data-points={points.length}>
        {last ? (
          <>
            <text x={left - 8} y={12} className="spark__label" textAnchor="end">{format(hi)}</text>
            {hi !== lo ? <text x={left - 8} y={h - 4} className="spark__label" textAnchor="end">{format(lo)}</text> : null}
          </>
        ) : null}
        <line x1={left} x2={w} y1={h - 1} y2={h - 1} className="spark__axis" />
        <g transform={`translate(${left} 0)`}>{d ? <path d={d} className="spark__line" /> : null}</g>
      </svg>
    </figure>
  );
}

export function Kpi({ label, value, hint, tone, testId, changesWith }: {
  label: string;
  value: ReactNode;
  hint?: ReactNode;
  tone?: 'danger' | 'ok';
  testId?: string;
  /** What a real change is (default: the value); a ticking age is not one. */
  changesWith?: unknown;
}) {
  const flash = useFlash(changesWith !== undefined ? changesWith : typeof value === 'string' || typeof value === 'number' ? value : null);
  return (
    <div className={`kpi${tone ? ` kpi--${tone}` : ''}${flash ? ' kpi--flash' : ''}`} data-testid={testId}>
      <dt className="kpi__label">{label}</dt>
      <dd className="kpi__value">{value}</dd>
      {hint ? <dd className="kpi__hint muted">{hint}</dd> : null}
    </div>
  );
}
