// The dashboard's charts as data, run twice: in Node (src/report/dashboard.ts
// loads this file and gives it types; html.ts embeds the unfiltered series
// and the tests read them) and in the page, which inlines this very text and
// recomputes the series on every filter change. A plain script rather than
// TypeScript so the page gets the same bytes whatever compiled the tool:
// no imports, no exports, nothing but these functions.
// Types: DashboardData, Filter, Series in dashboard.ts.

/** 1234567 -> "1,234,567" (rounded), the same in Node and every browser. */
function commas(v) {
  return String(Math.round(v)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
/** The kernels the filter keeps (arch, config, compiler). */
function keptKernels(data, f) {
  return data.kernels.filter(
    (k) =>
      (!f.arch || k.arch === f.arch) &&
      (!f.config || k.config === f.config) &&
      (!f.compiler || k.compiler === f.compiler),
  );
}
/** Whether a table (or a row about a kernel, rule set and format) passes the filter. */
function keeps(data, f, kernel, rules, format) {
  if (!keptKernels(data, f).some((k) => k.id === kernel)) return false;
  if (f.rules && rules !== undefined && rules !== f.rules) return false;
  if (f.format && format !== undefined && format !== f.format) return false;
  return true;
}
function distinct(values) {
  return [...new Set(values)];
}
function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
/**
 * Tooltip lines for a value taken over several kernels: each kernel's own
 * line when few, else the median and the two ends.
 */
function spreadTips(items) {
  if (items.length <= 6) return items.map((i) => `${i.kernel}: ${i.line}`);
  const s = [...items].sort((a, b) => a.value - b.value);
  return [
    `median of ${items.length} kernels`,
    `lowest ${s[0].kernel}: ${s[0].line}`,
    `highest ${s[s.length - 1].kernel}: ${s[s.length - 1].line}`,
  ];
}
/** The rule set a one-rule-set chart shows: the filter's, else the run's main one. */
function shownRules(data, f) {
  return f.rules || data.mainRules;
}
/**
 * Growth per arch: one bar per kernel, kernels of one arch together,
 * coloured by config and compiler (one dataset each, so every bar has the
 * same thickness and the legend names the colours).
 */
function growthSeries(data, f) {
  const base = f.base || data.bases[0]?.id || '';
  const heading = data.bases.find((b) => b.id === base)?.heading ?? base;
  const rules = shownRules(data, f);
  const kept = keptKernels(data, f);
  const archs = distinct(kept.map((k) => k.arch));
  const rows = archs
    .flatMap((a) => kept.filter((k) => k.arch === a))
    .flatMap((k) => {
      const t = data.tables.find(
        (x) =>
          x.kernel === k.id &&
          x.rules === rules &&
          (f.format ? x.format === f.format : x.compared) &&
          x.growth[base] !== undefined,
      );
      return t ? [{ k, t }] : [];
    });
  const group = (k) => `${k.config} ${k.compiler}`;
  const groups = distinct(rows.map((r) => group(r.k)));
  const formats = distinct(rows.map((r) => r.t.format));
  return {
    kind: 'bar',
    labels: rows.map((r) => r.k.id),
    datasets: groups.map((g) => ({
      label: g,
      data: rows.map((r) => (group(r.k) === g ? r.t.growth[base] : null)),
      tips: rows.map((r) => {
        if (group(r.k) !== g) return [];
        const b = r.k.bases[base];
        return [
          `${r.k.arch}: +${r.t.growth[base].toFixed(2)}% of ${b?.label ?? heading}`,
          `${r.t.format} table ${commas(r.t.total)} bytes; ${b?.label ?? heading} ${commas(b?.bytes ?? 0)} bytes`,
        ];
      }),
    })),
    caption: `${rules} rules, ${formats.join(', ') || 'no format'}: table bytes in percent of the ${heading}, kernels of one arch together.`,
    x: `growth, percent of ${heading}`,
    y: 'kernel, by arch',
  };
}
/** Bytes per entry per format: the median over the kept kernels, one bar per rule set. */
function formatsSeries(data, f) {
  const tables = data.tables.filter((t) => keeps(data, f, t.kernel, t.rules, t.format));
  const formats = distinct(tables.map((t) => t.format));
  const rules = distinct(tables.map((t) => t.rules));
  const kernels = distinct(tables.map((t) => t.kernel)).length;
  return {
    kind: 'bar',
    labels: formats,
    datasets: rules.map((r) => {
      const per = formats.map((fm) => tables.filter((t) => t.rules === r && t.format === fm));
      return {
        label: r,
        data: per.map((ts) => (ts.length ? median(ts.map((t) => t.bytesPerEntry)) : null)),
        tips: per.map((ts) =>
          spreadTips(
            ts.map((t) => ({
              kernel: t.kernel,
              value: t.bytesPerEntry,
              line: `${t.bytesPerEntry.toFixed(3)} B/entry, ${commas(t.total)} bytes, ${commas(t.entries)} entries`,
            })),
          ),
        ),
      };
    }),
    caption: `(index + data) / entries; the median over ${kernels} kernel${kernels === 1 ? '' : 's'}, each kernel's figure in the tooltip.`,
    x: 'bytes per entry',
    y: 'format',
  };
}
/** A table's parts, in the order the encoders account them. */
function bucketNames() {
  return ['counts', 'index', 'data', 'file_offsets', 'filenames', 'padding'];
}
/** Where the bytes go: each format's buckets, summed over the kept kernels. */
function bucketsSeries(data, f) {
  const tables = data.tables.filter((t) => keeps(data, f, t.kernel, t.rules, t.format));
  const rules = distinct(tables.map((t) => t.rules));
  const pairs = distinct(tables.map((t) => `${t.rules}\u0000${t.format}`)).map((p) =>
    p.split('\u0000'),
  );
  const label = ([r, fm]) => (rules.length > 1 ? `${r} ${fm}` : fm);
  const sums = pairs.map(([r, fm]) => {
    const ts = tables.filter((t) => t.rules === r && t.format === fm);
    const sum = {};
    for (const b of bucketNames()) sum[b] = ts.reduce((a, t) => a + (t.buckets[b] ?? 0), 0);
    return { sum, total: ts.reduce((a, t) => a + t.total, 0), n: ts.length };
  });
  const kernels = distinct(tables.map((t) => t.kernel)).length;
  return {
    kind: 'stacked',
    labels: pairs.map(label),
    datasets: bucketNames().map((b) => ({
      label: b,
      data: sums.map((s) => s.sum[b]),
      tips: sums.map((s) => [
        `${b}: ${commas(s.sum[b])} bytes (${s.total ? ((100 * s.sum[b]) / s.total).toFixed(1) : '0.0'}% of ${commas(s.total)})`,
        ...(s.n > 1 ? [`summed over ${s.n} kernels`] : []),
      ]),
    })),
    caption: `Bytes of each part of the table${rules.length === 1 ? ` (${rules[0]} rules)` : ''}, summed over ${kernels} kernel${kernels === 1 ? '' : 's'}.`,
    x: 'bytes',
    y: rules.length > 1 ? 'rules, format' : 'format',
  };
}
/** Agreement per rule set: lookups that agree with each tool, pooled over the kept kernels. */
function agreementSeries(data, f) {
  // every format decodes to the same entries, so the format filter does not apply
  const rows = data.agreement.filter((a) => keeps(data, f, a.kernel, a.rules));
  const rules = distinct(rows.map((a) => a.rules));
  const tools = distinct(rows.map((a) => a.tool));
  const kernels = distinct(rows.map((a) => a.kernel)).length;
  // one bar per tool for the table's answer and, for an upstream revision,
  // one for what its kernel prints (its own lookup); lost and wrong in the tip
  const views = [
    { key: 'agree', suffix: '', what: 'lookups agree' },
    { key: 'printed', suffix: ', as printed', what: 'addresses agree as printed' },
  ].filter((v) => rows.some((a) => a[v.key] !== undefined));
  const datasets = views.flatMap((v) =>
    tools.map((tool) => {
      // a rule set's bar pools every kept kernel, or is left out (as the mail text pools)
      const per = rules.map((r) => {
        const as = rows.filter((a) => a.rules === r && a.tool === tool);
        return as.every((a) => a[v.key] !== undefined) ? as : [];
      });
      const sum = (as, k) => as.reduce((s, a) => s + (a[k] ?? 0), 0);
      return {
        label: `${tool}${v.suffix}`,
        data: per.map((as) => {
          const samples = sum(as, 'samples');
          return samples ? (100 * sum(as, v.key)) / samples : null;
        }),
        tips: per.map((as) => {
          const agree = sum(as, v.key);
          const samples = sum(as, 'samples');
          if (!samples) return [];
          const lostWrong =
            v.key === 'printed'
              ? `; ${commas(sum(as, 'lost'))} lost, ${commas(sum(as, 'wrong'))} wrong${sum(as, 'stale') ? ` (${commas(sum(as, 'stale'))} stale)` : ''}`
              : '';
          return [
            `${tool}${v.suffix}: ${commas(agree)} of ${commas(samples)} ${v.what} (${((100 * agree) / samples).toFixed(2)}%)${lostWrong}`,
            ...spreadTips(
              as.map((a) => ({
                kernel: a.kernel,
                value: a[v.key] / a.samples,
                line: `${((100 * a[v.key]) / a.samples).toFixed(2)}% (${commas(a[v.key])} of ${commas(a.samples)})`,
              })),
            ),
          ];
        }),
      };
    }),
  );
  return {
    kind: 'bar',
    labels: rules,
    datasets,
    caption: `Lookups whose file and line match the tool's, pooled over ${kernels} kernel${kernels === 1 ? '' : 's'} (the same for every format: all decode to one table)${views.length > 1 ? "; 'as printed': what each upstream revision's kernel would print, through its own lookup" : ''}.`,
    x: 'agree, percent',
    y: 'rules',
    min: 0,
    max: 100,
  };
}
/** The block-size curve: bytes per entry against the block size, per kernel and rule set, each point named by its format. */
function sweepSeries(data, f) {
  const tables = data.tables.filter(
    (t) => /^blocks:\d+:/.test(t.format) && keeps(data, f, t.kernel, t.rules, t.format),
  );
  const keys = distinct(tables.map((t) => `${t.kernel} ${t.rules}`));
  const datasets = keys.flatMap((key) => {
    const ts = tables
      .filter((t) => `${t.kernel} ${t.rules}` === key)
      .sort((a, b) => Number(a.format.split(':')[1]) - Number(b.format.split(':')[1]));
    // a curve needs two block sizes (blocks:64:zigzag and blocks:64:sleb are one)
    if (new Set(ts.map((t) => t.format.split(':')[1])).size < 2) return [];
    return [
      {
        label: key,
        data: ts.map((t) => ({
          x: Number(t.format.split(':')[1]),
          y: t.bytesPerEntry,
          label: t.format,
        })),
        tips: ts.map((t) => [
          `${key} ${t.format}: ${t.bytesPerEntry.toFixed(3)} B/entry`,
          `${commas(t.total)} bytes, ${commas(t.entries)} entries`,
        ]),
        line: true,
      },
    ];
  });
  return {
    kind: 'scatter',
    labels: [],
    datasets,
    caption: 'Bigger blocks: a smaller index, a longer walk per lookup.',
    x: 'block size (entries)',
    y: 'bytes per entry (index + data)',
    log: true,
  };
}
/** Lookup latency per format: the median p99 over the kept kernels, one bar per cache mode and address set. */
function latencySeries(data, f) {
  // latency is measured on the main rule set's tables only
  const rulesKept = !f.rules || f.rules === data.mainRules;
  const rows = data.latency.filter(
    (l) => rulesKept && keeps(data, f, l.kernel, undefined, l.format),
  );
  const formats = distinct(rows.map((l) => l.format));
  const kinds = distinct(rows.map((l) => `${l.mode} ${l.set}`));
  const kernels = distinct(rows.map((l) => l.kernel)).length;
  return {
    kind: 'bar',
    labels: formats,
    datasets: kinds.map((kind) => {
      const per = formats.map((fm) =>
        rows.filter((l) => l.format === fm && `${l.mode} ${l.set}` === kind),
      );
      return {
        label: `${kind} p99`,
        data: per.map((ls) => (ls.length ? median(ls.map((l) => l.p99)) : null)),
        tips: per.map((ls) =>
          spreadTips(
            ls.map((l) => ({
              kernel: l.kernel,
              value: l.p99,
              line: `p50 ${commas(l.p50)} / p90 ${commas(l.p90)} / p99 ${commas(l.p99)} ns`,
            })),
          ),
        ),
      };
    }),
    caption: `Nanoseconds per lookup (native C), p99; the median over ${kernels} kernel${kernels === 1 ? '' : 's'}, p50 and p90 in the tooltip.`,
    x: 'p99, ns per lookup',
    y: 'format',
    log: true,
    empty: rulesKept ? undefined : `Latency was measured on the ${data.mainRules} tables only.`,
  };
}
/** Size against cold p99 per kernel, each point named by its format, the frontier joined. */
function paretoSeries(data, f) {
  // latency pairs with the main rule set's tables
  const rulesKept = !f.rules || f.rules === data.mainRules;
  const points = data.pareto.filter(
    (p) => rulesKept && keeps(data, f, p.kernel, undefined, p.format),
  );
  const kernels = distinct(points.map((p) => p.kernel));
  return {
    kind: 'scatter',
    labels: [],
    datasets: kernels.flatMap((k) => {
      const pts = points.filter((p) => p.kernel === k);
      const front = pts.filter((p) => p.frontier).sort((a, b) => a.bytesPerEntry - b.bytesPerEntry);
      const bytes = (p) =>
        data.tables.find(
          (t) => t.kernel === k && t.rules === data.mainRules && t.format === p.format,
        )?.total ?? 0;
      const tip = (p) => [
        `${k} ${p.format}${p.frontier ? ' (on the frontier)' : ''}`,
        `${p.bytesPerEntry.toFixed(3)} B/entry, ${commas(bytes(p))} bytes`,
        `cold p99 ${commas(p.coldP99)} ns`,
      ];
      const sets = [
        {
          label: k,
          data: pts.map((p) => ({ x: p.bytesPerEntry, y: p.coldP99, label: p.format })),
          tips: pts.map(tip),
        },
      ];
      if (front.length > 1)
        sets.push({
          label: `${k} frontier`,
          data: front.map((p) => ({ x: p.bytesPerEntry, y: p.coldP99, label: '' })),
          tips: front.map(tip),
          line: true,
        });
      return sets;
    }),
    caption: `${data.mainRules} tables, uniform addresses, cold cache; a format is on the frontier when no other is both smaller and faster.`,
    x: 'bytes per entry (index + data)',
    y: 'cold p99, ns',
    empty: rulesKept ? undefined : `Latency was measured on the ${data.mainRules} tables only.`,
  };
}
/** Whether a series has anything to draw. */
// biome-ignore lint/correctness/noUnusedVariables: called by the page's script and dashboard.ts
function hasData(s) {
  return s.datasets.some((d) => d.data.some((v) => v !== null && v !== undefined));
}
/** Every chart's series for a filter. */
// biome-ignore lint/correctness/noUnusedVariables: called by the page's script and dashboard.ts
function chartSeries(data, f) {
  return {
    growth: growthSeries(data, f),
    formats: formatsSeries(data, f),
    buckets: bucketsSeries(data, f),
    agreement: agreementSeries(data, f),
    sweep: sweepSeries(data, f),
    latency: latencySeries(data, f),
    pareto: paretoSeries(data, f),
  };
}
