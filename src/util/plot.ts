/**
 * Charts for the benchmark and the demonstrations: rows in, SVG out (vega-lite compiled to vega,
 * rendered headlessly), and SVG to PNG (resvg, with the system's fonts).
 */
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type Row = Record<string, string | number>;

export interface ChartSpec {
  title: string;
  rows: Row[];
  /** Field on the x axis (categories for bars, numbers for lines). */
  x: string;
  /** Numeric field on the y axis. */
  y: string;
  /** Field that splits rows into coloured series (grouped bars, one line each). */
  series?: string;
  xTitle?: string;
  yTitle?: string;
  width?: number;
  height?: number;
  /** Field that splits rows into panels stacked vertically, each with its own axes. */
  panel?: string;
}

const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

/** The common frame around layered marks: title, size, data, font, and panels when asked. */
function frame(chart: ChartSpec, layer: object[]): TopLevelSpec {
  const size = { width: chart.width ?? 640, height: chart.height ?? 320 };
  const common = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: chart.title,
    background: 'white',
    data: { values: chart.rows },
    config: { font: FONT, axis: { labelLimit: 320 } },
  };
  const body = chart.panel
    ? {
        facet: { row: { field: chart.panel, type: 'nominal', title: null } },
        spec: { ...size, layer },
        resolve: { scale: { x: 'independent', y: 'independent', xOffset: 'independent' } },
      }
    : { ...size, layer };
  return { ...common, ...body } as TopLevelSpec;
}

function axis(chart: ChartSpec, which: 'x' | 'y', type: 'nominal' | 'quantitative', extra: object = {}): object {
  const field = chart[which];
  return { field, type, title: (which === 'x' ? chart.xTitle : chart.yTitle) ?? field, ...extra };
}

async function render(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Bars per x category; with `series`, grouped side by side. */
export function barChart(chart: ChartSpec): Promise<string> {
  const series = chart.series ? { color: { field: chart.series, type: 'nominal' }, xOffset: { field: chart.series } } : {};
  return render(
    frame(chart, [
      {
        mark: { type: 'bar' },
        encoding: { x: axis(chart, 'x', 'nominal', { sort: null, axis: { labelAngle: -40 } }), y: axis(chart, 'y', 'quantitative'), ...series },
      },
    ]),
  );
}

export interface RangeChartSpec extends ChartSpec {
  /** Fields holding each bar's lowest and highest measurement: drawn as a whisker. */
  low: string;
  high: string;
  /** Field holding the goal for the row's panel: drawn as a dashed line. */
  goal: string;
}

/** Grouped bars with a whisker from `low` to `high` on each, and a dashed goal line per panel. */
export function rangeChart(chart: RangeChartSpec): Promise<string> {
  const x = axis(chart, 'x', 'nominal', { sort: null, axis: { labelAngle: -40 } });
  const series = chart.series ? { xOffset: { field: chart.series } } : {};
  return render(
    frame(chart, [
      { mark: { type: 'bar' }, encoding: { x, y: axis(chart, 'y', 'quantitative'), ...series, ...(chart.series ? { color: { field: chart.series, type: 'nominal' } } : {}) } },
      { mark: { type: 'rule', color: 'black' }, encoding: { x, y: { field: chart.low, type: 'quantitative' }, y2: { field: chart.high }, ...series } },
      { mark: { type: 'rule', strokeDash: [6, 4], color: 'black' }, encoding: { y: { field: chart.goal, type: 'quantitative', aggregate: 'max' } } },
    ]),
  );
}

/** One line per series over a numeric x (e.g. stale reads over time). */
export function lineChart(chart: ChartSpec): Promise<string> {
  const series = chart.series ? { color: { field: chart.series, type: 'nominal' } } : {};
  return render(
    frame(chart, [
      { mark: { type: 'line', point: true }, encoding: { x: axis(chart, 'x', 'quantitative'), y: axis(chart, 'y', 'quantitative'), ...series } },
    ]),
  );
}

export function svgToPng(svg: string): Buffer {
  return new Resvg(svg, { background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}
