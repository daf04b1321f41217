/**
 * Charts: time series drawn by uPlot (small, no dependencies, canvas), and horizontal bars for
 * breakdowns (plain elements, so they read well on a phone and in a screenshot).
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** A colour per series, in order. */
export const PALETTE = [
  '#2563eb',
  '#dc2626',
  '#f59e0b',
  '#059669',
  '#7c3aed',
  '#db2777',
  '#0891b2',
  '#65a30d',
];

/** One line of a {@link TimeChart}. */
export interface Series {
  label: string;
  values: (number | null)[];
  color?: string;
  /** Draw each point: for series with gaps (null), where a lone value has no line to show it. */
  points?: boolean;
}

/** Props of {@link TimeChart}. */
export interface TimeChartProps {
  title: string;
  /** Epoch ms of each point. */
  times: number[];
  series: Series[];
  /** How the y axis and the legend show values. */
  format?: (value: number) => string;
  height?: number;
}

/** A line chart over time that follows its container's width. */
export function TimeChart({ title, times, series, format, height = 200 }: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join('\u0000');
  const data: uPlot.AlignedData = [times.map((t) => t / 1000), ...series.map((s) => s.values)];

  useEffect(() => {
    const target = box.current;
    if (!target) return;
    const show = (_u: uPlot, value: number | null) =>
      value === null || value === undefined ? '–' : format ? format(value) : String(value);
    const plot = new uPlot(
      {
        width: Math.max(target.clientWidth, 200),
        height,
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: s.color ?? PALETTE[i % PALETTE.length],
            width: 2,
            spanGaps: false,
            points: { show: s.points === true && times.length <= 180, size: 5 },
            value: show,
          })),
        ],
        axes: [{}, { size: 60, values: (_u: uPlot, ticks: number[]) => ticks.map((t) => show(_u, t)) }],
        scales: { y: { range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(max ?? 1, 1)] } },
        legend: { live: true },
        cursor: { drag: { x: false, y: false } },
      },
      data,
      target,
    );
    chart.current = plot;
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(target.clientWidth, 200), height }),
    );
    resize.observe(target);
    return () => {
      resize.disconnect();
      plot.destroy();
      chart.current = null;
    };
  }, [shape, height, times.length]);

  useEffect(() => {
    chart.current?.setData(data);
  });

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} class="chart-canvas" />
    </figure>
  );
}

/** Props of {@link Bars}. */
export interface BarsProps {
  title: string;
  entries: [string, number][];
  format: (value: number) => string;
  /** Shown when there are no entries. */
  empty?: string;
}

/** Horizontal bars, largest first, scaled to the largest value. */
export function Bars({ title, entries, format, empty = 'nothing yet' }: BarsProps) {
  const max = Math.max(...entries.map(([, v]) => v), 0);
  return (
    <figure class="bars">
      <figcaption>{title}</figcaption>
      {entries.length === 0 ? (
        <p class="muted">{empty}</p>
      ) : (
        <ul>
          {entries.map(([label, value], i) => (
            <li key={label}>
              <span class="bar-label" title={label}>
                {label}
              </span>
              <span class="bar-track">
                <span
                  class="bar-fill"
                  style={{
                    width: `${max > 0 ? Math.max((value / max) * 100, 1) : 0}%`,
                    background: PALETTE[i % PALETTE.length],
                  }}
                />
              </span>
              <span class="bar-value">{format(value)}</span>
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}
