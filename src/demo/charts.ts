/**
 * The report's charts: Vega-Lite specs compiled and rendered to SVG strings with vega's headless renderer
 * (`View.toSVG()`, no browser, no canvas). `vega` and `vega-lite` are imported lazily: they are needed only to
 * write the report (optional peer dependencies of the package).
 *
 * @packageDocumentation
 * @internal
 */
import { CliError, EXIT } from '../cli/errors.js';

/** A Vega-Lite spec (kept loose: the report builds a handful of bar / line / rule charts). @internal */
export type VegaLiteSpec = Record<string, unknown>;

type Vega = typeof import('vega');
type VegaLite = typeof import('vega-lite');
let libs: Promise<{ vega: Vega; vl: VegaLite }> | null = null;

async function load(): Promise<{ vega: Vega; vl: VegaLite }> {
  libs ??= Promise.all([import('vega'), import('vega-lite')]).then(
    ([vega, vl]) => ({ vega, vl }),
    (e: unknown) => {
      libs = null;
      throw new CliError(
        `the HTML report needs the optional packages 'vega' and 'vega-lite' (npm install vega@6 vega-lite@6): ${(e as Error).message}`,
        EXIT.failure,
      );
    },
  );
  return libs;
}

/** Renders a Vega-Lite spec to an SVG string. @internal */
export async function renderChart(spec: VegaLiteSpec): Promise<string> {
  const { vega, vl } = await load();
  const full = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 420,
    height: 220,
    config: { font: 'Helvetica, Arial, sans-serif', view: { stroke: null }, legend: { labelLimit: 320 } },
    ...spec,
  };
  const compiled = vl.compile(full as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Items per code for every level, codes sorted from most to least used (a flat line = even usage; zeros = dead codes). @internal */
export function codebookUsageSpec(levels: readonly { level: number; counts: readonly number[] }[]): VegaLiteSpec {
  const values = levels.flatMap((l) =>
    [...l.counts].sort((a, b) => b - a).map((items, rank) => ({ level: `level ${l.level}`, rank: rank + 1, items })),
  );
  return {
    title: 'Codebook usage per level',
    data: { values },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'rank', type: 'quantitative', title: 'codes, most used first' },
      y: { field: 'items', type: 'quantitative', title: 'items per code (symlog)', scale: { type: 'symlog' } },
      color: { field: 'level', type: 'nominal', title: null },
    },
  };
}

/** Histogram of SID collision-group sizes (items sharing one SID). @internal */
export function collisionHistogramSpec(rows: readonly { size: number; groups: number; method: string }[]): VegaLiteSpec {
  return {
    title: 'SID collisions: items sharing a SID',
    data: { values: rows },
    mark: 'bar',
    encoding: {
      x: { field: 'size', type: 'ordinal', title: 'items per SID', axis: { labelAngle: 0 } },
      xOffset: { field: 'method' },
      y: { field: 'groups', type: 'quantitative', title: 'number of SIDs', scale: { type: 'symlog' } },
      color: { field: 'method', type: 'nominal', title: null },
    },
  };
}

/** Reward and held-out NDCG@5 curves during RL (two panels). @internal */
export function rlCurvesSpec(rows: readonly { step: number; series: string; value: number }[]): VegaLiteSpec {
  return {
    title: 'During RL: mean reward per step and held-out NDCG@5',
    data: { values: rows },
    mark: { type: 'line', point: false },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
      color: { field: 'series', type: 'nominal', title: null },
    },
    width: 640,
  };
}

/** Metric bars with 95 % interval rules. @internal */
export function metricBarsSpec(rows: readonly { metric: string; system: string; mean: number; lo: number; hi: number }[]): VegaLiteSpec {
  return {
    title: 'Held-out metrics with 95 % bootstrap intervals',
    data: { values: rows },
    encoding: {
      x: { field: 'metric', type: 'nominal', title: null, axis: { labelAngle: 0 } },
      xOffset: { field: 'system' },
      color: { field: 'system', type: 'nominal', title: null },
    },
    layer: [
      { mark: 'bar', encoding: { y: { field: 'mean', type: 'quantitative', title: 'value' } } },
      { mark: { type: 'rule', color: 'black' }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
    ],
  };
}

/**
 * The rejection sampler's attempts histogram: examples accepted at attempt k = 1 … maxAttempts, and the examples
 * dropped after the last attempt, as one bar chart. @internal
 */
export function attemptsHistogramSpec(rows: readonly { attempt: string; examples: number; outcome: string }[]): VegaLiteSpec {
  return {
    title: 'Rejection sampling: attempts until the top pick was the target',
    data: { values: rows },
    mark: 'bar',
    encoding: {
      x: { field: 'attempt', type: 'ordinal', title: 'attempt', sort: null, axis: { labelAngle: 0 } },
      y: { field: 'examples', type: 'quantitative', title: 'examples', axis: { tickMinStep: 1 } },
      color: { field: 'outcome', type: 'nominal', title: null, scale: { domain: ['accepted', 'dropped'], range: ['#4c78a8', '#e45756'] } },
    },
  };
}

/** Versions of the chart libraries (loads them). @internal */
export async function chartLibraryVersions(): Promise<{ vega: string; 'vega-lite': string }> {
  const { vega, vl } = await load();
  return { vega: vega.version, 'vega-lite': vl.version };
}
