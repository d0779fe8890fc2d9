import { createHash } from 'node:crypto';
import type { EncodedBlob, ModuleFormat } from '../encodings/module-sections.js';
import {
  type EncodedTable,
  type Format,
  type LookupHit,
  type TablePart,
  type TableReader,
  UNKNOWN_ENTRY,
} from '../encodings/types.js';
import { FormatError } from '../errors.js';
import type { EntryTable } from '../lineinfo/entries.js';
import { type Harness, harnessKnows, type NativeProbe, nativeProbeMany } from './native.js';
import { seededRandom } from './verify.js';

/**
 * Corrupt tables, classified (issue 19 item 4): a table's bytes mutated the
 * ways a bad build, a bad disk or a hostile file would (bytes, bits,
 * truncations, header fields at extreme values, counts and offsets past the
 * end, zeroed runs), each mutant opened by the TypeScript reader and, where
 * the harness knows the format, by the C lookup. A reader must answer within
 * bounds or refuse with a FormatError; the C lookup must never fault and must
 * answer as the TypeScript one wherever that opened the table.
 */

export const MUTATION_KINDS = [
  'bytes',
  'bits',
  'truncate',
  'field-extreme',
  'past-end',
  'zero-run',
] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

export interface Mutant {
  kind: MutationKind;
  bytes: Uint8Array;
  /** What was changed, to reproduce it by hand. */
  detail: string;
}

/** A table under test: its clean bytes, their parts, and how its reader opens bytes. */
export interface MutationTarget {
  /** For reports: the format id, with the module section for a blob. */
  name: string;
  /** The format id the C harness is given (the table's own). */
  format: string;
  littleEndian: boolean;
  bytes: Uint8Array;
  parts: readonly TablePart[];
  /** The readers of every table the bytes hold (a module blob holds several); throws FormatError when refused. */
  open(bytes: Uint8Array): TableReader[];
}

/** A vmlinux-style table (or a module layout's Format face): one reader. */
export function formatTarget(format: Format, enc: EncodedTable): MutationTarget {
  return {
    name: format.id,
    format: format.id,
    littleEndian: enc.littleEndian,
    bytes: enc.bytes,
    parts: enc.parts,
    open: (bytes) => [format.open(bytes, enc.littleEndian)],
  };
}

/** One blob of a per-section module layout: a reader per section table it holds. */
export function blobTarget(format: ModuleFormat, blob: EncodedBlob): MutationTarget {
  return {
    name: `${format.id} ${blob.section}`,
    format: format.id,
    littleEndian: blob.littleEndian,
    bytes: blob.bytes,
    parts: blob.parts,
    open: (bytes) => format.openBlob(bytes, blob.littleEndian).map((s) => s.reader),
  };
}

const EXTREMES = [0, 1, 2, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** Parts holding header words and indexes: counts, sizes, offsets, block and page indexes. */
function fieldParts(parts: readonly TablePart[]): TablePart[] {
  return parts.filter(
    (p) =>
      (p.bucket === 'counts' || p.bucket === 'index' || p.bucket === 'file_offsets') && p.size >= 2,
  );
}

/**
 * One mutant of `target`'s bytes, drawn from `random`. Positions are half
 * uniform over the bytes and half in a part chosen uniformly, so small
 * headers get their share in a large table.
 */
export function mutate(target: MutationTarget, random: () => number): Mutant {
  const src = target.bytes;
  const len = src.length;
  const pick = (n: number) => Math.floor(random() * n);
  const position = (): number => {
    if (len === 0) return 0;
    if (random() < 0.5 || target.parts.length === 0) return pick(len);
    const p = target.parts[pick(target.parts.length)];
    return p.offset + pick(p.size);
  };
  const kind = MUTATION_KINDS[pick(MUTATION_KINDS.length)];
  const fields = fieldParts(target.parts);
  if (len === 0) return { kind: 'truncate', bytes: new Uint8Array(0), detail: 'empty' };
  switch (kind) {
    case 'bytes': {
      const bytes = src.slice();
      const at: string[] = [];
      for (let k = 1 + pick(4); k > 0; k--) {
        const i = position();
        bytes[i] = pick(256);
        at.push(`${i}=${bytes[i]}`);
      }
      return { kind, bytes, detail: `bytes ${at.join(' ')}` };
    }
    case 'bits': {
      const bytes = src.slice();
      const at: string[] = [];
      for (let k = 1 + pick(3); k > 0; k--) {
        const i = position();
        const bit = pick(8);
        bytes[i] ^= 1 << bit;
        at.push(`${i}.${bit}`);
      }
      return { kind, bytes, detail: `bits ${at.join(' ')}` };
    }
    case 'truncate': {
      // at a part boundary give or take a few bytes, or anywhere
      let cut: number;
      if (random() < 0.5 && target.parts.length) {
        const p = target.parts[pick(target.parts.length)];
        cut = p.offset + (random() < 0.5 ? 0 : p.size) + pick(9) - 4;
      } else cut = pick(len);
      cut = Math.max(0, Math.min(len - 1, cut));
      return { kind, bytes: src.slice(0, cut), detail: `cut at ${cut} of ${len}` };
    }
    case 'field-extreme':
    case 'past-end': {
      if (fields.length === 0) {
        const bytes = src.slice();
        const i = position();
        bytes[i] ^= 0xff;
        return { kind, bytes, detail: `no fields: byte ${i} inverted` };
      }
      const p = fields[pick(fields.length)];
      const width = p.size >= 4 && p.offset % 4 === 0 ? 4 : 2;
      const at = p.offset + width * pick(Math.floor(p.size / width));
      const bytes = src.slice();
      const v = new DataView(bytes.buffer);
      const le = target.littleEndian;
      const old = width === 4 ? v.getUint32(at, le) : v.getUint16(at, le);
      let value: number;
      if (kind === 'field-extreme') value = EXTREMES[pick(EXTREMES.length)];
      else {
        // a count, size or offset just past the end, or off by one, or doubled
        const choices = [len, len + 1, len - at, len - at + 4, old + 1, old * 2 + 1, old + len];
        value = choices[pick(choices.length)];
      }
      value = width === 4 ? value % 2 ** 32 : value % 2 ** 16;
      if (width === 4) v.setUint32(at, value, le);
      else v.setUint16(at, value, le);
      return { kind, bytes, detail: `${p.symbol} u${8 * width} at ${at}: ${old} -> ${value}` };
    }
    case 'zero-run': {
      const bytes = src.slice();
      const at = position();
      const n = Math.min(len - at, 1 + pick(64));
      bytes.fill(0, at, at + n);
      return { kind, bytes, detail: `${n} zero bytes at ${at}` };
    }
  }
}

/** What the TypeScript readers did with a mutant. */
export type TsOutcome = 'rejected' | 'same' | 'changed' | 'failed';
/** What the full decode did: the clean table's entries, others, or a FormatError. */
export type DecodeOutcome = 'same' | 'changed' | 'rejected';

export interface TsResult {
  outcome: TsOutcome;
  decode?: DecodeOutcome;
  /** Why it failed: another exception, a read outside the bytes, an answer out of bounds. */
  failure?: string;
  /** Five u32 per reader and offset: found, index, offset, file, line (zeros when not found). */
  answers?: Uint32Array;
  readers?: number;
  /** A digest of every reader's full decode. */
  decoded?: string;
  ms: number;
}

/**
 * The bytes as the readers see them: a copy inside a larger buffer (a reader
 * that ignores its view's offset reads the guard bytes), behind a proxy that
 * records any index read outside [0, length) when `watch` is set.
 */
function present(bytes: Uint8Array, watch: boolean, outside: string[]): Uint8Array {
  const GUARD = 16;
  const buf = new Uint8Array(bytes.length + 2 * GUARD).fill(0xa5);
  buf.set(bytes, GUARD);
  const view = buf.subarray(GUARD, GUARD + bytes.length);
  if (!watch) return view;
  return new Proxy(view, {
    get(t, k) {
      if (typeof k === 'string') {
        const c = k.charCodeAt(0);
        if ((c >= 48 && c <= 57) || c === 45 || k === 'NaN' || k === 'Infinity') {
          const i = Number(k);
          if (!(Number.isInteger(i) && i >= 0 && i < t.length)) {
            if (outside.length < 4) outside.push(k);
            return undefined;
          }
          return t[i];
        }
      }
      const v = Reflect.get(t, k, t);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

function digest(tables: EntryTable[]): string {
  const h = createHash('sha1');
  for (const t of tables) {
    h.update(`${t.count}:${t.files.length}\0`);
    h.update(new Uint8Array(t.offsets.buffer, t.offsets.byteOffset, 4 * t.count));
    h.update(new Uint8Array(t.fileIds.buffer, t.fileIds.byteOffset, 2 * t.count));
    h.update(new Uint8Array(t.lines.buffer, t.lines.byteOffset, 4 * t.count));
    h.update(t.files.join('\0'));
  }
  return h.digest('hex');
}

const isU32 = (x: number) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff;

/**
 * Opens `bytes` with the target's readers, looks up every offset in every
 * reader and decodes every table. `clean` (the result on the unmutated
 * bytes) sets what "same" means; without it the outcome is 'same' when the
 * readers open.
 */
export function probeTs(
  target: MutationTarget,
  bytes: Uint8Array,
  offsets: ArrayLike<number>,
  clean?: TsResult,
  watch = false,
): TsResult {
  const t0 = performance.now();
  const outside: string[] = [];
  const view = present(bytes, watch, outside);
  const done = (r: Omit<TsResult, 'ms'>): TsResult => {
    const ms = performance.now() - t0;
    if (outside.length && r.outcome !== 'failed')
      return {
        outcome: 'failed',
        failure: `read outside the bytes at [${outside.join(', ')}]`,
        ms,
      };
    return { ...r, ms };
  };
  const thrown = (e: unknown) =>
    e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 300) : String(e);
  let readers: TableReader[];
  try {
    readers = target.open(view);
  } catch (e) {
    if (e instanceof FormatError) return done({ outcome: 'rejected' });
    return done({ outcome: 'failed', failure: `open threw ${thrown(e)}` });
  }
  const answers = new Uint32Array(5 * offsets.length * readers.length);
  const hit: LookupHit = { index: 0, offset: 0, fileId: 0, line: 0 };
  try {
    for (let r = 0; r < readers.length; r++) {
      const reader = readers[r];
      for (let i = 0; i < offsets.length; i++) {
        const off = offsets[i];
        hit.index = -1;
        hit.offset = -1;
        hit.fileId = -1;
        hit.line = -1;
        if (!reader.lookup(off, hit)) continue;
        const bad =
          !(isU32(hit.fileId) && hit.fileId < reader.files) ||
          !(hit.index === UNKNOWN_ENTRY || (isU32(hit.index) && hit.index < reader.entries)) ||
          !(hit.offset === UNKNOWN_ENTRY || (isU32(hit.offset) && hit.offset <= off)) ||
          !isU32(hit.line);
        if (bad)
          return done({
            outcome: 'failed',
            failure: `table ${r} at ${off}: answer out of bounds (entry ${hit.index} of ${reader.entries}, offset ${hit.offset}, file ${hit.fileId} of ${reader.files}, line ${hit.line})`,
          });
        const at = 5 * (r * offsets.length + i);
        answers[at] = 1;
        answers[at + 1] = hit.index;
        answers[at + 2] = hit.offset;
        answers[at + 3] = hit.fileId;
        answers[at + 4] = hit.line;
      }
    }
  } catch (e) {
    return done({ outcome: 'failed', failure: `lookup threw ${thrown(e)}` });
  }
  let decode: DecodeOutcome;
  let decoded: string | undefined;
  try {
    decoded = digest(readers.map((r) => r.decodeAll()));
    decode = clean?.decoded === undefined || decoded === clean.decoded ? 'same' : 'changed';
  } catch (e) {
    if (!(e instanceof FormatError))
      return done({ outcome: 'failed', failure: `decodeAll threw ${thrown(e)}` });
    decode = 'rejected';
  }
  const same =
    !clean?.answers ||
    (clean.answers.length === answers.length && clean.answers.every((x, i) => x === answers[i]));
  return done({
    outcome: same ? 'same' : 'changed',
    decode,
    answers,
    readers: readers.length,
    decoded,
  });
}

/** The C lookup on a mutant, against the TypeScript reader. */
export type COutcome =
  /** TypeScript opened the table; C gave its every answer. */
  | 'equal'
  /** TypeScript refused the table; C answered (whatever it answered: nothing to compare with). */
  | 'answered-refused'
  /** Both refused the table. */
  | 'both-refused'
  /** TypeScript opened it and C answered differently (or refused it where TypeScript found something). */
  | 'differ'
  /** A signal, a sanitizer report, any exit but an answer or a refusal. */
  | 'fault';

export interface CResult {
  outcome: COutcome;
  detail?: string;
}

/**
 * The C lookup's result on a mutant (its first table, at the offsets the
 * TypeScript probe looked up) against the TypeScript result.
 */
export function compareC(probe: NativeProbe, offsets: ArrayLike<number>, ts: TsResult): CResult {
  if (probe.kind === 'fault') return { outcome: 'fault', detail: probe.reason };
  if (ts.outcome === 'rejected' || !ts.answers)
    return { outcome: probe.kind === 'refused' ? 'both-refused' : 'answered-refused' };
  const c = probe.kind === 'answered' ? probe.answers : new Uint32Array(5 * offsets.length);
  for (let i = 0; i < offsets.length; i++) {
    const want = ts.answers.subarray(5 * i, 5 * i + 5);
    const got = c.subarray(5 * i, 5 * i + 5);
    const same = want[0] === 0 ? got[0] === 0 : want.every((x, k) => x === got[k]);
    if (!same)
      return {
        outcome: 'differ',
        detail: `at offset ${offsets[i]}: C ${probe.kind === 'refused' ? 'refused the table' : `[${[...got].join(', ')}]`}, TypeScript [${[...want].join(', ')}]`,
      };
  }
  return { outcome: 'equal' };
}

/** Counts of one target's mutants by outcome. */
export interface MutationTally {
  name: string;
  mutations: number;
  byKind: Record<string, number>;
  ts: Record<TsOutcome, number>;
  decode: Record<DecodeOutcome, number>;
  /** Absent when the C lookup does not know the format. */
  c?: Record<COutcome, number>;
  /** The slowest mutant's TypeScript time. */
  maxMs: number;
  /** The first few failures and C disagreements, with the mutation that caused them. */
  problems: string[];
}

export function emptyTally(name: string, withC: boolean): MutationTally {
  return {
    name,
    mutations: 0,
    byKind: Object.fromEntries(MUTATION_KINDS.map((k) => [k, 0])),
    ts: { rejected: 0, same: 0, changed: 0, failed: 0 },
    decode: { same: 0, changed: 0, rejected: 0 },
    c: withC
      ? { equal: 0, 'answered-refused': 0, 'both-refused': 0, differ: 0, fault: 0 }
      : undefined,
    maxMs: 0,
    problems: [],
  };
}

/** Adds one mutant's results to a tally. */
export function countMutant(
  tally: MutationTally,
  m: Mutant,
  ts: TsResult,
  c: CResult | undefined,
  slowMs: number,
): void {
  tally.mutations++;
  tally.byKind[m.kind]++;
  let outcome = ts.outcome;
  let failure = ts.failure;
  if (outcome !== 'failed' && ts.ms > slowMs) {
    outcome = 'failed';
    failure = `took ${ts.ms.toFixed(0)} ms (limit ${slowMs})`;
  }
  tally.ts[outcome]++;
  if (ts.decode && outcome !== 'failed') tally.decode[ts.decode]++;
  tally.maxMs = Math.max(tally.maxMs, ts.ms);
  if (c && tally.c) tally.c[c.outcome]++;
  const problem =
    outcome === 'failed'
      ? `TypeScript: ${failure}`
      : c && (c.outcome === 'differ' || c.outcome === 'fault')
        ? `C ${c.outcome}: ${c.detail}`
        : undefined;
  if (problem && tally.problems.length < 10)
    tally.problems.push(`${m.kind} (${m.detail}): ${problem}`);
}

/**
 * Offsets to look up in a table's readers: `count` entry starts (and the
 * byte before each), as many uniform between the first and the last entry,
 * and the edges (0, past the last entry, the top of 32 bits).
 */
export function lookupOffsets(
  tables: readonly Pick<EntryTable, 'count' | 'offsets'>[],
  count: number,
  random: () => number,
): number[] {
  const out = new Set<number>([0, 1, 0xffffffff]);
  for (const t of tables) {
    if (t.count === 0) continue;
    const first = t.offsets[0];
    const last = t.offsets[t.count - 1];
    for (const o of [first, first - 1, last, last + 1, last + 0x100000]) if (isU32(o)) out.add(o);
    for (let k = 0; k < count; k++) {
      const o = t.offsets[Math.floor(random() * t.count)];
      out.add(o);
      if (o > 0) out.add(o - 1);
      out.add(first + Math.floor(random() * (last - first + 1)));
    }
  }
  return [...out];
}

/** A 32-bit hash of a string (FNV-1a): one target's mutants apart from another's under one seed. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Mutant k of a target under a seed: drawn from its own generator, so any one can be made again alone. */
export function mutantSeed(seed: number, target: string, k: number): number {
  return (Math.imul(hash32(target) ^ seed, 0x9e3779b1) + Math.imul(k + 1, 0x85ebca6b)) >>> 0;
}

export interface MutationRun {
  /** Mutants numbered from..to-1 (default 0..count). */
  from?: number;
  count: number;
  seed: number;
  offsets: ArrayLike<number>;
  /** The C harness (the sanitized one, ideally), when the C lookup is to be checked. */
  harness?: Harness;
  /** The address the table's offsets count from, for the harness. */
  base?: bigint;
  /** Watch every index read of the bytes (slow: small tables only). */
  watch?: boolean;
  /** A mutant whose TypeScript probe takes longer is a failure ("a hang"). */
  slowMs?: number;
  /** Mutants per C harness process (default 48; fewer for tables of megabytes). */
  batch?: number;
  /** Called before each mutant (a watchdog's heartbeat). */
  onMutant?: (k: number) => void;
}

/** Mutates a target `count` times and classifies every mutant, TypeScript and C. */
export function runMutations(
  target: MutationTarget,
  run: MutationRun,
  tally: MutationTally = emptyTally(
    target.name,
    run.harness !== undefined && harnessKnows(run.harness, target.format),
  ),
): MutationTally {
  const clean = probeTs(target, target.bytes, run.offsets);
  if (clean.outcome !== 'same')
    throw new Error(
      `${target.name}: the clean table does not open (${clean.failure ?? clean.outcome})`,
    );
  const from = run.from ?? 0;
  const withC = run.harness !== undefined && harnessKnows(run.harness, target.format);
  const base = run.base ?? 0n;
  const addrs = BigUint64Array.from(Array.from(run.offsets, (o) => base + BigInt(o)));
  // the C lookup takes a batch of mutants per process
  const BATCH = run.batch ?? 48;
  for (let k0 = from; k0 < from + run.count; k0 += BATCH) {
    const batch: { m: Mutant; ts: TsResult }[] = [];
    for (let k = k0; k < Math.min(from + run.count, k0 + BATCH); k++) {
      run.onMutant?.(k);
      const m = mutate(target, seededRandom(mutantSeed(run.seed, target.name, k)));
      batch.push({ m, ts: probeTs(target, m.bytes, run.offsets, clean, run.watch) });
    }
    const native =
      withC && run.harness
        ? nativeProbeMany(
            run.harness,
            target.format,
            target.littleEndian,
            batch.map((x) => x.m.bytes),
            base,
            addrs,
          )
        : undefined;
    batch.forEach(({ m, ts }, i) => {
      const c = native ? compareC(native[i], run.offsets, ts) : undefined;
      countMutant(tally, m, ts, c, run.slowMs ?? 5000);
    });
  }
  return tally;
}
