// The HTML dashboard's charts as data: which charts a run has, and each
// chart's labels, values and tooltip lines for a choice of filters. The
// functions live in dashboard-functions.js, a plain script the page inlines
// as it is; here they are loaded for Node and given their types.
import { readFileSync } from 'node:fs';

/** A filter's value per dimension; '' means all. `base` picks the growth chart's base. */
export interface Filter {
  arch: string;
  config: string;
  compiler: string;
  rules: string;
  format: string;
  base: string;
}

export const FILTER_KEYS = ['arch', 'config', 'compiler', 'rules', 'format'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export interface DashKernel {
  id: string;
  arch: string;
  config: string;
  compiler: string;
  version: string;
  /** Growth bases by id: their bytes and what this kernel calls them (bzImage, loaded size...). */
  bases: Record<string, { bytes: number; label: string }>;
}

export interface DashTable {
  kernel: string;
  rules: string;
  format: string;
  entries: number;
  total: number;
  bytesPerEntry: number;
  buckets: Record<string, number>;
  growth: Record<string, number>;
  /** The rule set's first non-flat format: the one the summary table and the growth chart show. */
  compared: boolean;
}

export interface DashAgreement {
  kernel: string;
  rules: string;
  tool: string;
  samples: number;
  /** The table's answer (a plain floor search) agrees. */
  agree: number;
  /** An upstream revision: its kernel's printed line (its own lookup) agrees; lost and wrong apart. */
  printed?: number;
  lost?: number;
  wrong?: number;
  /** Of `wrong`: answers from entries past `_etext` (v1-v4). */
  stale?: number;
}

export interface DashLatency {
  kernel: string;
  format: string;
  set: string;
  mode: string;
  p50: number;
  p90: number;
  p99: number;
}

export interface DashPareto {
  kernel: string;
  format: string;
  bytesPerEntry: number;
  coldP99: number;
  frontier: boolean;
}

export interface DashboardData {
  mainRules: string;
  bases: { id: string; heading: string }[];
  kernels: DashKernel[];
  tables: DashTable[];
  agreement: DashAgreement[];
  latency: DashLatency[];
  pareto: DashPareto[];
}

/** A labelled point of a scatter or line chart; the label is drawn beside it. */
export interface Point {
  x: number;
  y: number;
  label: string;
}

export interface Dataset {
  label: string;
  data: (number | null)[] | Point[];
  /** Tooltip lines per value, by index. */
  tips: string[][];
  /** A line joining the points (the Pareto frontier), not a set of points. */
  line?: boolean;
}

export interface Series {
  kind: 'bar' | 'stacked' | 'scatter';
  /** Category labels (bar charts): one per bar group, every one shown. */
  labels: string[];
  datasets: Dataset[];
  /** One line under the chart: what is drawn and what it is summed or taken over. */
  caption: string;
  x: string;
  y: string;
  log?: boolean;
  /** Bounds of the value axis, when fixed (percent). */
  min?: number;
  max?: number;
  /** Why nothing is drawn for this filter, when the reason is not just "nothing matches". */
  empty?: string;
}

export const CHART_IDS = [
  'growth',
  'formats',
  'buckets',
  'agreement',
  'sweep',
  'latency',
  'pareto',
] as const;
export type ChartId = (typeof CHART_IDS)[number];

/**
 * The functions' source, read from src/ (from dist/ as from src/: both lie
 * two folders under the root), so the page holds the same bytes whatever
 * compiled this module.
 */
export const DASHBOARD_FUNCTIONS_JS = readFileSync(
  new URL('../../src/report/dashboard-functions.js', import.meta.url),
  'utf8',
);

interface DashboardFunctions {
  commas(v: number): string;
  keptKernels(data: DashboardData, f: Filter): DashKernel[];
  keeps(data: DashboardData, f: Filter, kernel: string, rules?: string, format?: string): boolean;
  hasData(s: Series): boolean;
  chartSeries(data: DashboardData, f: Filter): Record<ChartId, Series>;
}

const functions = new Function(
  `${DASHBOARD_FUNCTIONS_JS}\nreturn { commas, keptKernels, keeps, hasData, chartSeries };`,
)() as DashboardFunctions;

/** 1234567 -> "1,234,567" (rounded), the same in Node and every browser. */
export const commas = functions.commas;
/** The kernels the filter keeps (arch, config, compiler). */
export const keptKernels = functions.keptKernels;
/** Whether a table (or a row about a kernel, rule set and format) passes the filter. */
export const keeps = functions.keeps;
/** Whether a series has anything to draw. */
export const hasData = functions.hasData;
/** Every chart's series for a filter. */
export const chartSeries = functions.chartSeries;
