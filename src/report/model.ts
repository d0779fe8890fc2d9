import type { MeasuredTable } from '../commands/measure.js';
import type { RunResult } from '../results/schema.js';

/**
 * The figures every report shows, derived from saved results only (a result
 * is measured once and shown many ways).
 */
export interface SummaryRow {
  kernel: string;
  arch: string;
  version?: string;
  config?: string;
  rules: string;
  entries: number;
  files: number;
  /** The flat table's total bytes, if measured. */
  flatBytes?: number;
  /** The compared format (the first non-flat one). */
  format?: string;
  formatBytes?: number;
  /** (index + data) / entries of the compared format. */
  bytesPerEntry?: number;
  /** flat / compared. */
  ratio?: number;
  /** Growth in percent per base id, of the compared format. */
  growth: Record<string, number>;
}

export function comparedTable(
  tables: MeasuredTable[],
  rules: string,
): { flat?: MeasuredTable; other?: MeasuredTable } {
  const mine = tables.filter((t) => t.rules === rules);
  return {
    flat: mine.find((t) => t.format === 'flat'),
    other: mine.find((t) => t.format !== 'flat'),
  };
}

export function summaryRows(run: RunResult): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const k of run.kernels) {
    const m = k.measure;
    for (const rules of [...new Set(m.tables.map((t) => t.rules))]) {
      const { flat, other } = comparedTable(m.tables, rules);
      const any = other ?? flat!;
      rows.push({
        kernel: k.id,
        arch: m.kernel.metadata.arch,
        version: m.kernel.metadata.kernelVersion,
        config: m.kernel.metadata.configName,
        rules,
        entries: any.entries,
        files: any.files,
        flatBytes: flat?.total,
        format: other?.format,
        formatBytes: other?.total,
        bytesPerEntry: other?.bytesPerEntry,
        ratio: flat && other ? flat.total / other.total : undefined,
        growth: (other ?? flat)!.growth,
      });
    }
  }
  return rows;
}

/** Block-size sweep points: (block size, bytes per entry) per kernel and rule set, from every blocks:B table. */
export function sweepSeries(run: RunResult): { label: string; points: [number, number][] }[] {
  const out: { label: string; points: [number, number][] }[] = [];
  for (const k of run.kernels) {
    for (const rules of [...new Set(k.measure.tables.map((t) => t.rules))]) {
      const points = k.measure.tables
        .filter((t) => t.rules === rules && /^blocks:\d+:/.test(t.format))
        .map((t) => [Number(t.format.split(':')[1]), t.bytesPerEntry] as [number, number])
        .sort((a, b) => a[0] - b[0]);
      if (points.length >= 2) out.push({ label: `${k.id} ${rules}`, points });
    }
  }
  return out;
}

export const n = (v: number | undefined) => (v === undefined ? '-' : v.toLocaleString('en-US'));
export const pct = (v: number | undefined) => (v === undefined ? '-' : `${v.toFixed(2)}%`);
export const mib = (v: number | undefined) =>
  v === undefined ? '-' : `${(v / 2 ** 20).toFixed(1)} MiB`;
