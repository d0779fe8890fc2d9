import { spawnSync } from 'node:child_process';
import { ROW } from '../dwarf/line.js';
import { type ElfFile, SHF } from '../elf/elf-file.js';
import { flatFormat } from '../encodings/flat.js';
import type { RevisionId } from '../encodings/revisions.js';
import type { LookupHit } from '../encodings/types.js';
import { UserError } from '../errors.js';
import type { EntryTable } from '../lineinfo/entries.js';
import { extractUpstream, resolveBase } from '../lineinfo/extract.js';
import { seededRandom } from './verify.js';

/**
 * Agreement with the tools kernel developers trust today (addr2line and
 * llvm-symbolizer --no-inlines) on a seeded sample of addresses inside
 * functions, per extraction rule set, with every mismatch put down to a cause.
 */

export type Tool = 'addr2line' | 'llvm-symbolizer';
export const TOOLS: Tool[] = ['addr2line', 'llvm-symbolizer'];

export const CAUSES = [
  'code without DWARF (the tool has no line)',
  'line-0 row: code the compiler made (the tool has no line)',
  'no entry in the table (the tool has a line)',
  'past _etext, where the table stops (the last entry below answers)',
  'same line, the tool names another file',
  'end-of-sequence row won at the address',
  'several rows at one address, another picked',
  'non-statement row',
  'path normalisation',
  'other',
] as const;
export type Cause = (typeof CAUSES)[number];

/** A tool's or the table's answer: file and line, or nothing. */
export interface Answer {
  file?: string;
  line: number;
}

export interface ToolAgreement {
  tool: Tool;
  samples: number;
  agree: number;
  percent: number;
  causes: Record<Cause, number>;
  /** A few mismatches to look at: address, ours, theirs, cause. */
  examples: { address: string; ours: string; theirs: string; cause: Cause }[];
}

export interface RuleAgreement {
  rules: string;
  entries: number;
  /** The table's own answers (a plain floor search), each mismatch by cause. */
  tools: ToolAgreement[];
  /**
   * An upstream rule set only: what its revision's kernel would print, through
   * that revision's own lookup (the newest one's symbol guard, v1-v4's stale
   * entries past `_etext`), lost and wrong apart. Absent for our rule sets
   * (their table's answer is what they print) and in runs before 2026-12-02.
   */
  printed?: PrintedAgreement;
}

/**
 * How a revision's kernel finds the line for an address (spec section 6):
 * - 'floor-stale' (v1-v4): floor search over the whole table, but an entry
 *   at or past `_etext` is stale in a real build (the sections after
 *   .rodata move at the final link), so an answer from one counts as wrong;
 * - 'floor' (v5, v6): floor search over the table capped at `_etext`;
 * - 'floor-guard' (newest): floor search, and no answer when the entry
 *   found lies below the start of the function symbol the address falls in
 *   (`lineinfo_search(tbl, offset, min_offset, ...)`, KUnit
 *   test_lineinfo_search_min_offset).
 */
export type LookupKind = 'floor-stale' | 'floor' | 'floor-guard';

/** One tool's view of one revision's answers on the sampled addresses. */
export interface RevisionToolAgreement {
  tool: Tool;
  samples: number;
  /** The same answer as the tool (no line where the tool has none counts too). */
  agree: number;
  /** We print nothing, the tool has a line. */
  lost: number;
  /** We print a line the tool does not (another line, a line where it has none, or a stale one). */
  wrong: number;
  /** Of `wrong`: answers from an entry at or past `_etext` (v1-v4), whatever they say. */
  stale: number;
  /**
   * The same tally over the sampled addresses at or past `_etext` only
   * (init text on most architectures): from v5 on the table stops there,
   * so the lines lost there are the cap's, not the lookup's (absent in
   * runs before 2026-12-02T02).
   */
  pastEtext?: { samples: number; agree: number; lost: number; wrong: number };
  percent: number;
  /** A plain floor search on the same table (no stale rule, no guard): what the issue measured. */
  floor: { agree: number; percent: number };
  /** The wrong answers given most often (ours), with how often: one line printed for many addresses. */
  commonWrong: { answer: string; count: number }[];
  /** A few disagreements: address, ours ('-': nothing), theirs, which kind. */
  examples: { address: string; ours: string; theirs: string; kind: 'lost' | 'wrong' | 'stale' }[];
}

export interface RevisionAgreement {
  lookup: LookupKind;
  /** Sampled addresses the lookup gives no line for. */
  noAnswer: number;
  /** Of those: where a plain floor search found an entry the guard refused (newest). */
  guarded: number;
  /** Answers from entries at or past `_etext` (v1-v4): stale in a real build. */
  stale: number;
  tools: RevisionToolAgreement[];
}

/** A revision's kernel's answers on the sampled addresses (revision-lookup.ts). */
export interface PrintedAgreement extends RevisionAgreement {
  revision: RevisionId;
}

/**
 * Symbols of the padding and CFI preamble before a function
 * (CONFIG_CALL_PADDING's `__pfx_`, kCFI's `__cfi_`, named by objtool): no
 * row starts there, the tools answer the function before's last line, and
 * a stack trace lands there only through call thunks. `__pfx_<fn>` is
 * padding only when `<fn>` starts where it ends (older kernels have a real
 * `__cfi_slowpath_diag`).
 */
const PADDING_SYMBOL = /^__(pfx|cfi)_/;

/**
 * Every function's start (each STT_FUNC symbol of an executable section at
 * or above `base`, ascending, one per address), the end of the section it
 * lies in (the largest, where several start at one address), and whether
 * every symbol there names padding (PADDING_SYMBOL).
 */
function functionExtents(
  elf: ElfFile,
  base: bigint,
): { starts: bigint[]; sectionEnds: bigint[]; padding: boolean[] } {
  const syms = elf.symbols();
  if (!syms) throw new UserError('no symbol table to sample functions from', elf.name);
  const endOf = new Map<bigint, bigint>();
  const code = new Set<bigint>();
  const funcs = new Set<string>();
  const pads: [bigint, string][] = [];
  for (let i = 0; i < syms.count; i++) {
    if ((syms.info[i] & 0xf) !== 2) continue; // STT_FUNC
    const sec = elf.sections[syms.shndx[i]];
    if (!sec || !(sec.flags & SHF.EXECINSTR)) continue;
    const v = syms.values[i];
    if (v < base) continue;
    const end = sec.addr + BigInt(sec.size);
    const had = endOf.get(v);
    if (had === undefined || end > had) endOf.set(v, end);
    const name = syms.names[i];
    funcs.add(`${name}@${v}`);
    const pad = PADDING_SYMBOL.exec(name);
    if (pad) pads.push([v, `${name.slice(pad[0].length)}@${v + BigInt(syms.sizes[i])}`]);
    else code.add(v);
  }
  // __pfx_<fn> is padding when <fn> starts where it ends
  for (const [v, fn] of pads) if (!funcs.has(fn)) code.add(v);
  const starts = [...endOf.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    starts,
    sectionEnds: starts.map((v) => endOf.get(v)!),
    padding: starts.map((v) => !code.has(v)),
  };
}

/** The start of every function: each STT_FUNC symbol of an executable section at or above `base`, ascending, one per address. */
export function functionStarts(elf: ElfFile, base: bigint): bigint[] {
  return functionExtents(elf, base).starts;
}

/**
 * The start of the function an address falls in, as kallsyms resolves it:
 * the nearest start at or below the address (sizes aside), or undefined
 * below the first. `starts` ascending (functionStarts).
 */
export function symbolStartOf(starts: readonly bigint[], address: bigint): bigint | undefined {
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid] <= address) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? undefined : starts[lo - 1];
}

/**
 * Addresses inside functions: uniform over the bytes from each function
 * symbol to the next, at most 64 KiB of them; with `withinSection`, also
 * no further than the end of the function's section (the last function of
 * .text is not followed into .rodata). Padding symbols' bytes (`__pfx_`,
 * `__cfi_`) are not sampled: on an x86_64 6.12 defconfig one address in
 * 20 fell there, where the tools print the function before's last line.
 */
export function sampleFunctionAddresses(
  elf: ElfFile,
  base: bigint,
  count: number,
  seed: number,
  options: { withinSection?: boolean } = {},
): bigint[] {
  const { starts: uniq, sectionEnds, padding } = functionExtents(elf, base);
  if (uniq.length < 2)
    throw new UserError('fewer than two function symbols to sample between', elf.name);
  // extents to the next function, capped so one huge gap does not take the sample
  const cum: number[] = [];
  let total = 0;
  for (let i = 0; i + 1 < uniq.length; i++) {
    let extent = padding[i] ? 0 : Math.min(Number(uniq[i + 1] - uniq[i]), 1 << 16);
    if (options.withinSection)
      extent = Math.min(extent, Math.max(0, Number(sectionEnds[i] - uniq[i])));
    total += extent;
    cum.push(total);
  }
  const random = seededRandom(seed);
  const out: bigint[] = [];
  for (let k = 0; k < count; k++) {
    const r = Math.floor(random() * total);
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid] > r) hi = mid;
      else lo = mid + 1;
    }
    const before = lo === 0 ? 0 : cum[lo - 1];
    out.push(uniq[lo] + BigInt(r - before));
  }
  return out;
}

/** Runs a tool with addresses on stdin, one per line; its non-empty output lines, `per` for each address. */
function runBatch(cmd: string, args: string[], path: string, addresses: bigint[], per: number) {
  const input = `${addresses.map((a) => `0x${a.toString(16)}`).join('\n')}\n`;
  const p = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (p.error)
    throw new UserError(
      `${cmd} could not run (${(p.error as NodeJS.ErrnoException).code}); install binutils and llvm (scripts/setup-debian.sh)`,
    );
  if (p.status !== 0)
    throw new UserError(`${cmd} failed: ${p.stderr.trim().split('\n').pop()}`, path);
  const lines = p.stdout.split('\n').filter((l) => l !== '');
  if (lines.length !== per * addresses.length) {
    throw new UserError(
      `${cmd} gave ${lines.length / per} answers for ${addresses.length} addresses`,
      path,
    );
  }
  return lines;
}

/** Runs a tool in batch (addresses on stdin) and parses one "file:line" answer per address. */
export function askTool(tool: Tool, path: string, addresses: bigint[]): Answer[] {
  const [cmd, args] =
    tool === 'addr2line'
      ? ['addr2line', ['-e', path]]
      : [
          'llvm-symbolizer',
          [`--obj=${path}`, '--no-inlines', '--functions=none', '--output-style=GNU'],
        ];
  return runBatch(cmd, args, path, addresses, 1).map(parseGnuLine);
}

/**
 * llvm-symbolizer's function and file:line for each address: the function
 * DWARF names there (an inlined one's name where the row is inlined code),
 * else the symbol table's; '??' for none.
 */
export function askToolFunctions(
  path: string,
  addresses: bigint[],
): { function: string; answer: Answer }[] {
  const lines = runBatch(
    'llvm-symbolizer',
    [`--obj=${path}`, '--no-inlines', '--functions=linkage', '--output-style=GNU'],
    path,
    addresses,
    2,
  );
  return addresses.map((_, k) => ({
    function: lines[2 * k],
    answer: parseGnuLine(lines[2 * k + 1]),
  }));
}

/**
 * "path:line", "path:line (discriminator N)", "??:0" or "??:?"; "path:?" and
 * "path:0" (a line-0 row: code the compiler made) keep the path, so a
 * mismatch there is told apart from code without DWARF.
 */
export function parseGnuLine(s: string): Answer {
  const m = /^(.*):(\d+|\?)(?: \(discriminator \d+\))?$/.exec(s.trim());
  if (!m || m[1] === '??') return { line: 0 };
  if (m[2] === '?' || m[2] === '0') return { file: m[1], line: 0 };
  return { file: m[1], line: Number(m[2]) };
}

/** Our kernel-relative name against a tool's path: equal, or the tool's path ends in "/" + ours. */
export function sameFile(ours: string, theirs: string): boolean {
  return theirs === ours || theirs.endsWith(`/${ours}`);
}

/** Our answer and a tool's say the same: both no line, or the same line in the same file. */
export function sameAnswer(ours: Answer, theirs: Answer): boolean {
  return (
    (ours.line === 0 && theirs.line === 0) ||
    (ours.line === theirs.line &&
      ours.file !== undefined &&
      theirs.file !== undefined &&
      sameFile(ours.file, theirs.file))
  );
}

const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);

interface RowSeen {
  offset: number;
  line: number;
  flags: number;
  file: string | undefined;
}

/**
 * The rows at each sample's floor (the nearest row address at or below it),
 * gathered while the kernel is extracted anyway, to explain every mismatch.
 * A row at offset o can only be the floor of the samples from the first one
 * at or above o on, so each row updates one bucket, and a sample's floor is
 * the highest bucket maximum at or below it.
 */
export class FloorRows {
  private readonly sorted: number[];
  private readonly max: number[];
  private readonly rows: RowSeen[][];
  constructor(offsets: number[]) {
    this.sorted = [...new Set(offsets)].sort((a, b) => a - b);
    this.max = this.sorted.map(() => -1);
    this.rows = this.sorted.map(() => []);
  }

  /** An `onRow` for extractUpstream: every row with a line, before any rule set filters it. */
  readonly onRow = (
    offset: number,
    line: number,
    flags: number,
    name: () => string | undefined,
  ): void => {
    const s = this.sorted;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    if (lo === s.length || offset < this.max[lo]) return;
    if (offset > this.max[lo]) {
      this.max[lo] = offset;
      this.rows[lo] = [];
    }
    this.rows[lo].push({ offset, line, flags, file: name() });
  };

  /** The rows at the floor of each offset asked for at construction, by offset. */
  floors(): Map<number, RowSeen[]> {
    const out = new Map<number, RowSeen[]>();
    let best = -1;
    for (let i = 0; i < this.sorted.length; i++) {
      if (this.max[i] > (best < 0 ? -1 : this.max[best])) best = i;
      if (best >= 0) out.set(this.sorted[i], this.rows[best]);
    }
    return out;
  }
}

/** What agreement compares against: the sampled addresses and the tools' answers for them. */
export interface AgreementPlan {
  samples: number;
  seed: number;
  base: bigint;
  addresses: bigint[];
  /** The addresses less the base: what the tables are searched for. */
  offsets: number[];
  answers: Map<Tool, Answer[]>;
}

/** Samples addresses and asks the tools about them (once, whatever the rule sets). */
export function planAgreement(
  elf: ElfFile,
  options: {
    base: bigint;
    samples: number;
    seed: number;
    tools?: Tool[];
    /** Sample no further than each function's section end (sampleFunctionAddresses). */
    withinSection?: boolean;
  },
): AgreementPlan {
  const tools = options.tools ?? TOOLS;
  const addresses = sampleFunctionAddresses(elf, options.base, options.samples, options.seed, {
    withinSection: options.withinSection,
  });
  return {
    samples: options.samples,
    seed: options.seed,
    base: options.base,
    addresses,
    offsets: addresses.map((a) => Number(a - options.base)),
    answers: new Map(tools.map((t) => [t, askTool(t, elf.name, addresses)])),
  };
}

/**
 * Agreement of each rule set's table with the tools, every mismatch put down
 * to a cause with the rows `floorRows` saw during extraction.
 */
export function compareWithTools(
  plan: AgreementPlan,
  tables: { rules: string; table: EntryTable }[],
  floorRows: FloorRows,
  /** `_etext` less the base, when the kernel has one: where capped tables stop. */
  etextOffset?: number,
): RuleAgreement[] {
  const { offsets, addresses } = plan;
  const rowsAt = floorRows.floors();
  return tables.map(({ rules, table }) => {
    const ours = lookupAll(table, offsets);
    // a table with no entry at or past _etext (v5 on drop those rows) answers
    // an address there from the last entry below: that, not the rows at the
    // address, is why it differs
    const capped =
      etextOffset !== undefined && table.count > 0 && table.offsets[table.count - 1] < etextOffset;
    const tools: ToolAgreement[] = [];
    for (const [tool, theirs] of plan.answers) {
      const causes = Object.fromEntries(CAUSES.map((c) => [c, 0])) as Record<Cause, number>;
      const examples: ToolAgreement['examples'] = [];
      let agree = 0;
      for (let k = 0; k < offsets.length; k++) {
        const o = ours[k];
        const t = theirs[k];
        if (sameAnswer(o, t)) {
          agree++;
          continue;
        }
        const cause =
          capped && offsets[k] >= etextOffset! && t.line !== 0 && o.line !== 0
            ? 'past _etext, where the table stops (the last entry below answers)'
            : classify(o, t, rowsAt.get(offsets[k]) ?? []);
        causes[cause]++;
        if (examples.length < 40) {
          examples.push({
            address: `0x${addresses[k].toString(16)}`,
            ours: o.line ? `${o.file}:${o.line}` : '-',
            theirs: t.line ? `${t.file}:${t.line}` : t.file ? `${t.file}:0` : '??',
            cause,
          });
        }
      }
      tools.push({
        tool,
        samples: offsets.length,
        agree,
        percent: (100 * agree) / offsets.length,
        causes,
        examples,
      });
    }
    return { rules, entries: table.count, tools };
  });
}

/**
 * Agreement for each rule set on an open ELF file, each rule set extracted
 * once (the first one also gathers the rows behind each mismatch).
 */
export function measureAgreement(
  elf: ElfFile,
  options: {
    rules: string[];
    samples: number;
    seed: number;
    tools?: Tool[];
    base?: string | bigint;
  },
): RuleAgreement[] {
  const { base } = resolveBase(elf, options.base);
  const plan = planAgreement(elf, { ...options, base, withinSection: true });
  const floorRows = new FloorRows(plan.offsets);
  const tables = options.rules.map((rules, i) => ({
    rules,
    table: extractUpstream(elf, {
      rules,
      base: options.base,
      onRow: i === 0 ? floorRows.onRow : undefined,
    }).table,
  }));
  return compareWithTools(plan, tables, floorRows, etextOffsetOf(elf, base));
}

/** `_etext` less the base, or undefined where the kernel has none (or it lies below the base). */
export function etextOffsetOf(elf: ElfFile, base: bigint): number | undefined {
  const etext = elf.symbolValue('_etext');
  return etext !== undefined && etext >= base ? Number(etext - base) : undefined;
}

function lookupAll(table: EntryTable, offsets: number[]): Answer[] {
  const enc = flatFormat.encode(table, true);
  const reader = flatFormat.open(enc.bytes, true);
  const hit: LookupHit = { index: 0, offset: 0, fileId: 0, line: 0 };
  return offsets.map((o) =>
    reader.lookup(o, hit) && hit.line !== 0
      ? { file: table.files[hit.fileId], line: hit.line }
      : { line: 0 },
  );
}

function classify(ours: Answer, theirs: Answer, rows: RowSeen[]): Cause {
  if (theirs.line === 0)
    return theirs.file
      ? 'line-0 row: code the compiler made (the tool has no line)'
      : 'code without DWARF (the tool has no line)';
  if (ours.line === 0) return 'no entry in the table (the tool has a line)';
  if (
    ours.line === theirs.line &&
    ours.file &&
    theirs.file &&
    baseName(ours.file) === baseName(theirs.file)
  ) {
    return 'path normalisation';
  }
  // addr2line (binutils 2.40) on DWARF 5 often names the unit's own file with
  // the line of an included one: same line, another file
  if (ours.line === theirs.line) return 'same line, the tool names another file';
  const isOurs = (r: RowSeen) => r.line === ours.line && r.file === ours.file;
  const isTheirs = (r: RowSeen) =>
    r.line === theirs.line &&
    r.file !== undefined &&
    theirs.file !== undefined &&
    sameFile(r.file, theirs.file);
  const theirsHere = rows.some(isTheirs);
  if (theirsHere && rows.some((r) => isOurs(r) && r.flags & ROW.endSequence))
    return 'end-of-sequence row won at the address';
  if (theirsHere) return 'several rows at one address, another picked';
  if (rows.some((r) => isOurs(r) && !(r.flags & ROW.isStmt))) return 'non-statement row';
  return 'other';
}
