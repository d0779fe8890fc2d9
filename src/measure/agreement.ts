import { spawnSync } from 'node:child_process';
import { ROW } from '../dwarf/line.js';
import { type ElfFile, SHF } from '../elf/elf-file.js';
import { flatFormat } from '../encodings/flat.js';
import type { LookupHit } from '../encodings/types.js';
import { UserError } from '../errors.js';
import type { EntryTable } from '../lineinfo/entries.js';
import { extractUpstream } from '../lineinfo/extract.js';
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
  tools: ToolAgreement[];
}

/** Addresses inside functions: uniform over the bytes from each function symbol to the next. */
export function sampleFunctionAddresses(
  elf: ElfFile,
  base: bigint,
  count: number,
  seed: number,
): bigint[] {
  const syms = elf.symbols();
  if (!syms) throw new UserError('no symbol table to sample functions from', elf.name);
  const starts: bigint[] = [];
  for (let i = 0; i < syms.count; i++) {
    if ((syms.info[i] & 0xf) !== 2) continue; // STT_FUNC
    const sec = elf.sections[syms.shndx[i]];
    if (!sec || !(sec.flags & SHF.EXECINSTR)) continue;
    if (syms.values[i] < base) continue;
    starts.push(syms.values[i]);
  }
  const uniq = [...new Set(starts)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (uniq.length < 2)
    throw new UserError('fewer than two function symbols to sample between', elf.name);
  // extents to the next function, capped so one huge gap does not take the sample
  const cum: number[] = [];
  let total = 0;
  for (let i = 0; i + 1 < uniq.length; i++) {
    total += Math.min(Number(uniq[i + 1] - uniq[i]), 1 << 16);
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

/** Runs a tool in batch (addresses on stdin) and parses one "file:line" answer per address. */
export function askTool(tool: Tool, path: string, addresses: bigint[]): Answer[] {
  const input = `${addresses.map((a) => `0x${a.toString(16)}`).join('\n')}\n`;
  const [cmd, args] =
    tool === 'addr2line'
      ? ['addr2line', ['-e', path]]
      : [
          'llvm-symbolizer',
          [`--obj=${path}`, '--no-inlines', '--functions=none', '--output-style=GNU'],
        ];
  const p = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (p.error)
    throw new UserError(
      `${cmd} could not run (${(p.error as NodeJS.ErrnoException).code}); install binutils and llvm (scripts/setup-debian.sh)`,
    );
  if (p.status !== 0)
    throw new UserError(`${cmd} failed: ${p.stderr.trim().split('\n').pop()}`, path);
  const lines = p.stdout.split('\n').filter((l) => l !== '');
  if (lines.length !== addresses.length) {
    throw new UserError(
      `${cmd} gave ${lines.length} answers for ${addresses.length} addresses`,
      path,
    );
  }
  return lines.map(parseGnuLine);
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

const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);

interface RowSeen {
  offset: number;
  line: number;
  flags: number;
  file: string | undefined;
}

/**
 * Measures agreement for each rule set. Rows at each sample's floor address
 * are collected in the same pass to explain every mismatch.
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
  const tools = options.tools ?? TOOLS;
  const first = extractUpstream(elf, { rules: options.rules[0], base: options.base });
  const base = first.base;
  const addresses = sampleFunctionAddresses(elf, base, options.samples, options.seed);
  const offsets = addresses.map((a) => Number(a - base));
  const answers = new Map(tools.map((t) => [t, askTool(t, elf.name, addresses)]));

  // Each sample's floor: the nearest row address at or below it (first walk:
  // every row's offset; second walk: the rows at those floors).
  let all = new Uint32Array(1 << 20);
  let n = 0;
  extractUpstream(elf, {
    rules: options.rules[0],
    base: options.base,
    onRow: (offset) => {
      if (n === all.length) {
        const bigger = new Uint32Array(all.length * 2);
        bigger.set(all);
        all = bigger;
      }
      all[n++] = offset;
    },
  });
  const rowOffsets = all.subarray(0, n).sort();
  const floor = new Map<number, number>();
  for (const s of offsets) {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (rowOffsets[mid] <= s) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) floor.set(s, rowOffsets[lo - 1]);
  }
  const rowsAt = new Map<number, RowSeen[]>();
  const wanted = new Set(floor.values());
  extractUpstream(elf, {
    rules: options.rules[0],
    base: options.base,
    onRow: (offset, line, flags, name) => {
      if (!wanted.has(offset)) return;
      const list = rowsAt.get(offset) ?? [];
      if (list.length === 0) rowsAt.set(offset, list);
      list.push({ offset, line, flags, file: name() });
    },
  });

  const results: RuleAgreement[] = [];
  for (const rules of options.rules) {
    const ex =
      rules === options.rules[0] ? first : extractUpstream(elf, { rules, base: options.base });
    const ours = lookupAll(ex.table, offsets);
    const toolResults: ToolAgreement[] = [];
    for (const tool of tools) {
      const theirs = answers.get(tool)!;
      const causes = Object.fromEntries(CAUSES.map((c) => [c, 0])) as Record<Cause, number>;
      const examples: ToolAgreement['examples'] = [];
      let agree = 0;
      for (let k = 0; k < offsets.length; k++) {
        const o = ours[k];
        const t = theirs[k];
        const same =
          (o.line === 0 && t.line === 0) ||
          (o.line === t.line &&
            o.file !== undefined &&
            t.file !== undefined &&
            sameFile(o.file, t.file));
        if (same) {
          agree++;
          continue;
        }
        const cause = classify(o, t, rowsAt.get(floor.get(offsets[k]) ?? -1) ?? []);
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
      toolResults.push({
        tool,
        samples: offsets.length,
        agree,
        percent: (100 * agree) / offsets.length,
        causes,
        examples,
      });
    }
    results.push({ rules, entries: ex.table.count, tools: toolResults });
  }
  return results;
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
