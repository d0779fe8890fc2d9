import * as asciichart from 'asciichart';
import type { AddressSetName } from '../measure/addresses.js';
import type { LatencyResult, LatencyRun, SweepPoint } from '../measure/latency.js';
import { fmtNs, NEAR_RESOLUTION, OUTLIER_THRESHOLD, WIDE_SPREAD } from '../measure/stats.js';

const n = (v: number) => v.toLocaleString('en-US');
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;

function pad(cells: string[][], right: boolean[]): string[] {
  const widths = cells[0].map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  return cells.map((r) =>
    r.map((cell, c) => (right[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  '),
  );
}

function runRow(r: LatencyRun): string[] {
  const s = r.stats;
  return [
    r.format,
    r.set,
    r.mode,
    `${fmtNs(s.mean)} ± ${fmtNs(s.sd)}`,
    fmtNs(s.p50),
    fmtNs(s.p90),
    fmtNs(s.p99),
    `${fmtNs(s.min)} … ${fmtNs(s.max)}`,
    n(s.n),
    String(s.outliers.length),
    r.eviction ? fmtNs(r.eviction.p50) : '',
    `${s.nearResolution ? 'R' : ''}${s.wideSpread ? 'S' : ''}${s.outliers.length ? 'O' : ''}`,
  ];
}

/** The sweep's two charts: latency p50 (warm and cold) and bytes per entry, against block size. */
export function renderSweepCharts(
  sweep: SweepPoint[],
  set: AddressSetName,
  color = false,
): string[] {
  const points = sweep.filter((p) => p.blockSize > 0).sort((a, b) => a.blockSize - b.blockSize);
  if (points.length < 2) return [];
  const lines: string[] = [];
  const xs = points.map((p) => String(p.blockSize));
  // asciichart draws one column per value: stretch each point over `step` columns
  const step = 6;
  const axis = () => xs.map((x) => x.padEnd(step)).join('');
  const stretch = (v: number[]) => v.flatMap((x) => Array(step).fill(x) as number[]);
  const warm = points.map((p) => p.latency[set]?.warm?.p50);
  const cold = points.map((p) => p.latency[set]?.cold?.p50);
  const series: number[][] = [];
  const legend: string[] = [];
  const colors: asciichart.Color[] = [];
  if (cold.every((v) => v !== undefined)) {
    series.push(stretch(cold as number[]));
    legend.push('cold p50 (ns)');
    colors.push(asciichart.red);
  }
  if (warm.every((v) => v !== undefined)) {
    series.push(stretch(warm as number[]));
    legend.push('warm p50 (ns)');
    colors.push(asciichart.green);
  }
  const gutter = 11;
  const fmt = (x: number) => x.toFixed(x < 100 ? 1 : 0).padStart(gutter - 2);
  if (series.length > 0) {
    lines.push(`lookup p50 against block size (${set} addresses): ${legend.join(', ')}`);
    const chart = asciichart.plot(series, {
      height: 12,
      format: fmt,
      colors: color ? colors : undefined,
    });
    lines.push(...chart.split('\n'));
    lines.push(`${' '.repeat(gutter)}${axis()}  block size (entries)`);
    lines.push('');
  }
  const bpe = points.map((p) => p.bytesPerEntry);
  lines.push(
    'bytes per entry against block size (the whole table: counts, index, data, file tables)',
  );
  lines.push(
    ...asciichart
      .plot(stretch(bpe), { height: 8, format: (x) => x.toFixed(2).padStart(gutter - 2) })
      .split('\n'),
  );
  lines.push(`${' '.repeat(gutter)}${axis()}  block size (entries)`);
  return lines;
}

/** `latency` as plain text: engine, machine, one row per (format, set, mode), the sweep. */
export function renderLatencyText(r: LatencyResult, opts: { color?: boolean } = {}): string {
  const lines: string[] = [];
  lines.push(r.file);
  lines.push(
    `  ${r.arch}, ${r.endianness}-endian; ${n(r.entries)} entries, ${n(r.files)} files; base ${r.base}`,
  );
  lines.push(`  engine: ${r.engine.label}`);
  if (r.engine.kind === 'model')
    lines.push('  *** MODEL, NOT THE KERNEL: these figures time TypeScript, not C ***');
  if (r.engine.ccVersion) lines.push(`  compiler: ${r.engine.ccVersion}`);
  lines.push(
    `  machine: ${r.machine.cpu}, ${r.machine.cpus} CPUs; load average ${r.machine.loadavg.join(' ')} before, ${r.machine.loadavgAfter.join(' ')} after`,
  );
  const cold = r.runs.find((x) => x.eviction)?.eviction;
  const walk = `${mib(r.cache.evictBytes)} walked before each cold lookup (LLC ${r.cache.llcBytes ? mib(r.cache.llcBytes) : 'unknown'}, ${r.cache.source})`;
  const repeats =
    cold && cold.repeats > 1
      ? `; each sample the median of ${cold.repeats} cold lookups of its address`
      : '';
  if (cold)
    lines.push(
      `  cold: ${cold.method === 'flush' ? 'every line of the table flushed from the caches (clflush) before each cold lookup' : walk}, timed apart, not counted${repeats}${r.runs.some((x) => x.cpu !== undefined && x.cpu >= 0) ? '; the harness pinned to one CPU' : ''}`,
    );
  lines.push(
    `  warm: per sample, one untimed lookup of the address, then the same lookup repeated in a batch (caches and branch predictors hot); seed ${r.seed}`,
  );
  const huge = r.runs.filter((x) => x.tableHugeBytes !== undefined);
  if (huge.length > 0) {
    const got = huge.filter((x) => (x.tableHugeBytes ?? 0) > 0).length;
    lines.push(
      `  table pages: transparent huge pages asked for (the kernel maps .rodata with large pages); granted in ${got} of ${huge.length} runs`,
    );
  }
  lines.push('');
  lines.push('address sets');
  for (const s of r.sets) {
    lines.push(`  ${s.name.padEnd(10)} ${s.description}${s.note ? `; ${s.note}` : ''}`);
  }
  lines.push('');
  lines.push('sizes');
  const sizeRows = [['format', 'bytes', 'B/entry', 'checked C = TS']];
  for (const s of r.sizes)
    sizeRows.push([
      s.format,
      n(s.bytes),
      s.bytesPerEntry.toFixed(2),
      s.checked ? n(s.checked) : '-',
    ]);
  lines.push(...pad(sizeRows, [false, true, true, true]).map((l) => `  ${l}`));
  lines.push('');
  lines.push('lookup latency per call');
  const rows = [
    [
      'format',
      'set',
      'cache',
      'mean ± sd',
      'p50',
      'p90',
      'p99',
      'min … max',
      'n',
      'outl.',
      'evict p50',
    ],
    ...r.runs.map(runRow),
  ];
  lines.push(
    ...pad(rows, [false, false, false, true, true, true, true, true, true, true, true, false]).map(
      (l) => `  ${l}`,
    ),
  );
  const timers = [
    ...new Set(
      r.runs.map(
        (x) =>
          `${fmtNs(x.timer.resolutionNs)} resolution, ${fmtNs(x.timer.overheadNs)} per reading`,
      ),
    ),
  ];
  lines.push(
    `  timer: ${timers.join('; ')}; warm samples are batches of one address repeated, cold lookups single calls (one clock reading included)`,
  );
  lines.push(
    `  ! R: the fastest sample is within ${NEAR_RESOLUTION}x the timer's resolution per call; S: wide spread (sd > ${WIDE_SPREAD * 100}% of the mean: read p50/p99); O: outliers by MAD z-score > ${OUTLIER_THRESHOLD.toFixed(3)} (flagged, kept)`,
  );
  if (r.sweep) {
    lines.push('');
    lines.push('block-size sweep (p50 / p99 per lookup)');
    const sets = [...new Set(r.runs.map((x) => x.set))];
    const header = ['format', 'B/entry'];
    for (const s of sets)
      for (const m of ['warm', 'cold'])
        if (r.runs.some((x) => x.set === s && x.mode === m)) header.push(`${s} ${m}`);
    const body = r.sweep.map((p) => {
      const row = [p.format, p.bytesPerEntry.toFixed(2)];
      for (const s of sets)
        for (const m of ['warm', 'cold'] as const) {
          if (!r.runs.some((x) => x.set === s && x.mode === m)) continue;
          const v = p.latency[s]?.[m];
          row.push(v ? `${fmtNs(v.p50)} / ${fmtNs(v.p99)}` : '-');
        }
      return row;
    });
    lines.push(
      ...pad(
        [header, ...body],
        header.map((_, i) => i > 0),
      ).map((l) => `  ${l}`),
    );
    lines.push('');
    const chartSet: AddressSetName = sets.includes('uniform') ? 'uniform' : sets[0];
    lines.push(...renderSweepCharts(r.sweep, chartSet, opts.color));
  }
  if (r.warnings.length > 0) {
    lines.push('');
    lines.push('warnings');
    for (const w of r.warnings) lines.push(`  ${w}`);
  }
  return `${lines.join('\n')}\n`;
}
