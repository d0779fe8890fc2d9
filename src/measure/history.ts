import { ROW } from '../dwarf/line.js';
import { parseFormat } from '../encodings/registry.js';
import { REVISION_IDS, REVISIONS, type RevisionId } from '../encodings/revisions.js';
import { UserError } from '../errors.js';
import type { Kernel, KernelMetadata } from '../kernels/types.js';
import type { EntryTable } from '../lineinfo/entries.js';
import { type ExtractResult, resolveBase } from '../lineinfo/extract.js';
import { collectSymbolStarts } from '../lineinfo/symbol-starts.js';
import { bar } from '../util/process.js';
import { account } from './accounting.js';
import { askTool, askToolFunctions, planAgreement, sameAnswer, type Tool } from './agreement.js';
import type { GrowthBase } from './growth.js';
import {
  codeBase,
  growthBases,
  KernelTables,
  type KernelTablesOptions,
  tableGrowth,
} from './kernel.js';
import {
  answerAt,
  EXAMPLES,
  REVISION_LOOKUP,
  type RevisionAgreement,
  revisionAgreement,
  type Sample,
  show,
  withSymbolStarts,
} from './revision-lookup.js';

/**
 * The series' revisions on one kernel, in order (v1-v4, v5, v6, newest):
 * each one's table (entries, files, bytes, growth), what its kernel would
 * print (agreement with addr2line and llvm-symbolizer through that
 * revision's own lookup), and what changed from the revision before, by
 * cause. Each rule set is extracted once (v6 shares v5's).
 */

/** What changed from the previous revision, by cause. */
export interface RevisionChange {
  from: RevisionId;
  /** Both use the same rule set (v6 over v5): the same table. */
  sameRules: boolean;
  entries: number;
  files: number;
  /** Rows at or past `_etext` no longer entries (drops.aboveEnd's difference). */
  rowsPastEtext: number;
  /** End-of-sequence rows no longer entries (drops.endSequence's difference). */
  endSequenceRows: number;
  /** Entries kept at a symbol start though they repeat the line before (symbolStarts.keptAtStart's difference). */
  keptAtStart: number;
  /** Entries copied to a symbol start (symbolStarts.synthesized's difference). */
  synthesized: number;
  /** File names in the previous revision's table only, and in this one's only. */
  namesOnlyBefore: number;
  namesOnlyAfter: number;
  examplesOnlyBefore: string[];
  examplesOnlyAfter: string[];
}

export interface HistoryRow {
  revision: RevisionId;
  covers: string;
  rules: string;
  /** Its main vmlinux layout (vmlinuxLayouts[0]), the one bytes and growth are quoted for. */
  layout: string;
  entries: number;
  files: number;
  /** (index + data) / entries. */
  bytesPerEntry: number;
  total: number;
  compressedBytes?: number;
  /** Percent of each base, by base id. */
  growth: Record<string, number>;
  drops: { aboveEnd: number; endSequence: number };
  symbolStarts: { synthesized: number; keptAtStart: number };
  agreement?: RevisionAgreement;
  change?: RevisionChange;
}

/** The newest revision's synthesized symbol-start entries, and what they do to agreement. */
export interface SynthesizedReport {
  /** Synthesized entries found in the table (entries at a symbol start with no row there). */
  entries: number;
  /** As extraction counted them (ExtractResult.symbolStarts.synthesized): should equal `entries`. */
  counted: number;
  /** llvm-symbolizer asked at each synthesized entry's address. */
  tool?: {
    tool: Tool;
    /** Its (file, line) there differs from the copied one. */
    differ: number;
    /** Of `differ`: the tool has no line there. */
    toolNoLine: number;
    /**
     * llvm-symbolizer names another function at the entry the line was
     * copied from than at the symbol start: the entry carries another
     * function's line (undefined when only addr2line was asked).
     */
    otherFunction?: number;
    examples: {
      address: string;
      /** The tool's function at the start. */
      function?: string;
      ours: string;
      /** The tool's function at the entry the line was copied from, and its address. */
      copiedFrom?: string;
      theirs: string;
    }[];
  };
  /** Sampled addresses the newest lookup answers through a synthesized entry, and how many of those agree, per tool. */
  sampled?: { through: number; agree: Record<string, number> };
  /** The newest table less its synthesized entries, through the same guarded lookup. */
  without?: {
    entries: number;
    tools: { tool: Tool; agree: number; lost: number; wrong: number; percent: number }[];
  };
}

export interface HistoryResult {
  schemaVersion: 1;
  /** The command line that made it, when the caller says. */
  command?: string;
  kernel: {
    vmlinux: string;
    bootImage?: string;
    config?: string;
    compressor?: string;
    metadata: KernelMetadata;
  };
  /** `_text` and `_etext`, hex. */
  base: string;
  etext: string;
  bases: GrowthBase[];
  agreement?: { samples: number; seed: number };
  rows: HistoryRow[];
  synthesized: SynthesizedReport;
  /** Real extractions (one per rule set). */
  extractions: number;
  timeMs: number;
}

export interface HistoryOptions {
  /** Sampled addresses inside functions (0: no agreement). */
  agreeSamples: number;
  seed: number;
  tools?: Tool[];
  command?: string;
  onProgress?: (text: string) => void;
}

function namesDiff(before: string[], after: string[]) {
  const a = new Set(after);
  const b = new Set(before);
  const onlyBefore = before.filter((f) => !a.has(f));
  const onlyAfter = after.filter((f) => !b.has(f));
  return { onlyBefore, onlyAfter };
}

function change(prev: HistoryRow, cur: HistoryRow, prevEx: ExtractResult, ex: ExtractResult) {
  const names = namesDiff(prevEx.table.files, ex.table.files);
  return {
    from: prev.revision,
    sameRules: prev.rules === cur.rules,
    entries: cur.entries - prev.entries,
    files: cur.files - prev.files,
    rowsPastEtext: cur.drops.aboveEnd - prev.drops.aboveEnd,
    endSequenceRows: cur.drops.endSequence - prev.drops.endSequence,
    keptAtStart: cur.symbolStarts.keptAtStart - prev.symbolStarts.keptAtStart,
    synthesized: cur.symbolStarts.synthesized - prev.symbolStarts.synthesized,
    namesOnlyBefore: names.onlyBefore.length,
    namesOnlyAfter: names.onlyAfter.length,
    examplesOnlyBefore: names.onlyBefore.slice(0, 5),
    examplesOnlyAfter: names.onlyAfter.slice(0, 5),
  } satisfies RevisionChange;
}

/**
 * Rows at function starts that can become entries under the newest rules
 * (a line, a file name, not a sequence end), gathered while the newest
 * rules extract: an entry at a start without one was synthesized.
 */
class RowsAtStarts {
  readonly seen = new Set<number>();
  constructor(private readonly starts: Set<number>) {}
  readonly onRow = (
    offset: number,
    _line: number,
    flags: number,
    name: () => string | undefined,
  ) => {
    if (!this.starts.has(offset) || flags & ROW.endSequence || this.seen.has(offset)) return;
    const n = name();
    if (n !== undefined && n !== '') this.seen.add(offset);
  };
}

/** Indexes of the newest table's synthesized entries: at a symbol start, with no row there. */
function synthesizedIndexes(table: EntryTable, starts: Set<number>, rows: Set<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < table.count; i++) {
    const o = table.offsets[i];
    if (starts.has(o) && !rows.has(o)) out.push(i);
  }
  return out;
}

/** The table less some entries (by ascending index). */
function without(table: EntryTable, drop: number[]): EntryTable {
  const n = table.count - drop.length;
  const offsets = new Uint32Array(n);
  const fileIds = new Uint16Array(n);
  const lines = new Uint32Array(n);
  let d = 0;
  let k = 0;
  for (let i = 0; i < table.count; i++) {
    if (d < drop.length && drop[d] === i) {
      d++;
      continue;
    }
    offsets[k] = table.offsets[i];
    fileIds[k] = table.fileIds[i];
    lines[k] = table.lines[i];
    k++;
  }
  return { count: n, offsets, fileIds, lines, files: table.files };
}

/**
 * Every revision of the series on one kernel: its table, what it prints and
 * what changed, each rule set extracted once through `kt` (which must not
 * have extracted the newest rules yet: their rows show where entries were
 * synthesized).
 */
export function measureHistory(kernel: Kernel, kt: KernelTables, o: HistoryOptions): HistoryResult {
  const t0 = performance.now();
  const elf = kt.elf;
  const { base } = resolveBase(elf, kt.base);
  const etext = elf.symbolValue('_etext');
  if (etext === undefined)
    throw new UserError(
      'no symbol _etext: the revisions from v5 on cap the table there, so their history needs it',
      elf.name,
    );
  const etextOffset = Number(etext - base);

  // sampled first, so the tools are asked once whatever the revisions
  let sample: Sample | undefined;
  if (o.agreeSamples > 0) {
    o.onProgress?.(`asking addr2line and llvm-symbolizer about ${o.agreeSamples} addresses`);
    const plan = planAgreement(elf, {
      base,
      samples: o.agreeSamples,
      seed: o.seed,
      tools: o.tools,
      // the last function of .text is not followed into .rodata
      withinSection: true,
    });
    sample = withSymbolStarts(elf, plan);
  }

  const { bases, compressor } = growthBases(kernel, elf);
  const newestStarts = collectSymbolStarts(elf, base, etext);
  const startSet = new Set(newestStarts.offsets);
  const rowsAtStarts = new RowsAtStarts(startSet);

  // one extraction per rule set, in the revisions' order
  const extracted = new Map<string, ExtractResult>();
  const ruleSets = [...new Set(REVISION_IDS.map((id) => REVISIONS[id].rules))];
  ruleSets.forEach((rules, i) => {
    o.onProgress?.(`${bar(i, ruleSets.length)} extracting (${rules} rules)`);
    const onRow = rules === REVISIONS.newest.rules ? rowsAtStarts.onRow : undefined;
    extracted.set(rules, kt.extract(rules, onRow));
  });
  const newestEx = extracted.get(REVISIONS.newest.rules)!;
  const code = codeBase(newestEx);
  if (code) bases.push(code);

  const encoded = new Map<
    string,
    {
      total: number;
      bytesPerEntry: number;
      growth: Record<string, number>;
      compressedBytes?: number;
    }
  >();
  const rows: HistoryRow[] = [];
  const indexesOf = new Map<RevisionId, number[]>();
  REVISION_IDS.forEach((id, i) => {
    const rev = REVISIONS[id];
    const ex = extracted.get(rev.rules)!;
    const layout = rev.vmlinuxLayouts[0];
    const key = `${rev.rules} ${layout}`;
    let sized = encoded.get(key);
    if (!sized) {
      o.onProgress?.(`${bar(i, REVISION_IDS.length)} encoding ${id} as ${layout}`);
      const enc = parseFormat(layout).encode(ex.table, elf.littleEndian);
      const acc = account(enc);
      sized = {
        total: acc.total,
        bytesPerEntry: acc.bytesPerEntry,
        ...tableGrowth(enc.bytes, acc.total, bases, compressor),
      };
      encoded.set(key, sized);
    }
    const row: HistoryRow = {
      revision: id,
      covers: rev.covers,
      rules: rev.rules,
      layout,
      entries: ex.table.count,
      files: ex.table.files.length,
      bytesPerEntry: sized.bytesPerEntry,
      total: sized.total,
      compressedBytes: sized.compressedBytes,
      growth: sized.growth,
      drops: { aboveEnd: ex.drops.aboveEnd, endSequence: ex.drops.endSequence },
      symbolStarts: {
        synthesized: ex.symbolStarts?.synthesized ?? 0,
        keptAtStart: ex.symbolStarts?.keptAtStart ?? 0,
      },
    };
    if (sample) {
      const r = revisionAgreement(REVISION_LOOKUP[id], ex.table, sample, etextOffset);
      row.agreement = r.agreement;
      indexesOf.set(id, r.indexes);
    }
    if (i > 0) {
      const prev = rows[i - 1];
      row.change = change(prev, row, extracted.get(prev.rules)!, ex);
    }
    rows.push(row);
  });

  const synthesized = synthesizedReport(
    newestEx,
    startSet,
    rowsAtStarts.seen,
    base,
    sample,
    indexesOf.get('newest'),
    etextOffset,
    elf.name,
    o,
  );
  return {
    schemaVersion: 1,
    command: o.command,
    kernel: {
      vmlinux: kernel.vmlinux,
      bootImage: kernel.bootImage,
      config: kernel.config,
      compressor,
      metadata: kernel.metadata,
    },
    base: `0x${base.toString(16)}`,
    etext: `0x${etext.toString(16)}`,
    bases,
    agreement: sample ? { samples: sample.plan.samples, seed: sample.plan.seed } : undefined,
    rows,
    synthesized,
    extractions: kt.extractions,
    timeMs: Math.round(performance.now() - t0),
  };
}

/**
 * The tool at each synthesized entry's address (does it print the copied
 * line there?) and, with llvm-symbolizer, the function it names there and
 * at the entry the line was copied from (the one before it in the table):
 * another function there means the entry carries another function's line.
 */
function askAboutSynthesized(
  table: EntryTable,
  synth: number[],
  base: bigint,
  tool: Tool,
  path: string,
): NonNullable<SynthesizedReport['tool']> {
  const at = (i: number) => base + BigInt(table.offsets[i]);
  const named = tool === 'llvm-symbolizer';
  // with function names: each start, then the address its line was copied from
  const asked = named
    ? askToolFunctions(
        path,
        synth.flatMap((i) => [at(i), at(i - 1)]),
      )
    : askTool(tool, path, synth.map(at)).map((answer) => ({ function: '', answer }));
  const step = named ? 2 : 1;
  let differ = 0;
  let toolNoLine = 0;
  let otherFunction = 0;
  const examples: NonNullable<SynthesizedReport['tool']>['examples'] = [];
  synth.forEach((i, k) => {
    const here = asked[step * k];
    const from = named ? asked[step * k + 1] : undefined;
    const other = from !== undefined && from.function !== here.function;
    if (other) otherFunction++;
    const ours = answerAt(table, i);
    const same = sameAnswer(ours, here.answer);
    if (!same) differ++;
    if (!same && here.answer.line === 0) toolNoLine++;
    if (examples.length < EXAMPLES && (other || !same))
      examples.push({
        address: `0x${at(i).toString(16)}`,
        function: named ? here.function : undefined,
        ours: show(ours),
        copiedFrom: from ? `${from.function} at 0x${at(i - 1).toString(16)}` : undefined,
        theirs: show(here.answer),
      });
  });
  return {
    tool,
    differ,
    toolNoLine,
    otherFunction: named ? otherFunction : undefined,
    examples,
  };
}

/** Where the newest table's synthesized entries are, what the tool says there, and what they do to agreement. */
function synthesizedReport(
  ex: ExtractResult,
  starts: Set<number>,
  rowsAtStarts: Set<number>,
  base: bigint,
  sample: Sample | undefined,
  newestIndexes: number[] | undefined,
  etextOffset: number,
  path: string,
  o: HistoryOptions,
): SynthesizedReport {
  const synth = synthesizedIndexes(ex.table, starts, rowsAtStarts);
  const report: SynthesizedReport = {
    entries: synth.length,
    counted: ex.symbolStarts?.synthesized ?? 0,
  };
  if (!sample || !newestIndexes) return report;
  const tools = [...sample.plan.answers.keys()];
  const tool: Tool = tools.includes('llvm-symbolizer') ? 'llvm-symbolizer' : tools[0];
  if (synth.length > 0 && tool) {
    o.onProgress?.(`asking ${tool} about ${synth.length} synthesized entries`);
    report.tool = askAboutSynthesized(ex.table, synth, base, tool, path);
  }
  // the samples answered through a synthesized entry
  const isSynth = new Set(synth);
  const agree: Record<string, number> = {};
  let through = 0;
  for (let k = 0; k < newestIndexes.length; k++) {
    if (!isSynth.has(newestIndexes[k])) continue;
    through++;
    const ours = answerAt(ex.table, newestIndexes[k]);
    for (const [t, theirs] of sample.plan.answers)
      if (sameAnswer(ours, theirs[k])) agree[t] = (agree[t] ?? 0) + 1;
  }
  for (const t of tools) agree[t] ??= 0;
  report.sampled = { through, agree };
  const less = without(ex.table, synth);
  const r = revisionAgreement('floor-guard', less, sample, etextOffset).agreement;
  report.without = {
    entries: less.count,
    tools: r.tools.map((t) => ({
      tool: t.tool,
      agree: t.agree,
      lost: t.lost,
      wrong: t.wrong,
      percent: t.percent,
    })),
  };
  return report;
}

/** measureHistory on a kernel's vmlinux opened for this one command. */
export function measureHistoryFile(
  kernel: Kernel,
  o: HistoryOptions & KernelTablesOptions,
): HistoryResult {
  const kt = KernelTables.open(kernel.vmlinux, {
    base: o.base,
    buildRoots: o.buildRoots ?? kernel.buildRoots,
  });
  try {
    return measureHistory(kernel, kt, o);
  } finally {
    kt.close();
  }
}
