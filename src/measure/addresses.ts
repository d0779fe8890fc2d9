import { spawnSync } from 'node:child_process';
import type { EntryTable } from '../lineinfo/entries.js';
import { seededRandom } from './verify.js';

/**
 * The addresses lookups are timed at, all seeded (the same seed gives the
 * same addresses on every machine). Offsets are relative to the table's
 * base; the harness gets base + offset, as the kernel gets an address.
 */
export type AddressSetName = 'uniform' | 'entries' | 'block-end' | 'calls';
export const ADDRESS_SETS: readonly AddressSetName[] = ['uniform', 'entries', 'block-end', 'calls'];

export interface AddressSet {
  name: AddressSetName;
  description: string;
  /** Offsets from the base, in timing order (seeded shuffle). Empty when the set could not be made. */
  offsets: number[];
  /** How many addresses the set was drawn from. */
  population: number;
  /** Why the set is empty or what it approximates, if anything. */
  note?: string;
}

/** Up to `n` items of `items`, without replacement, in a seeded random order (partial Fisher-Yates). */
export function seededSample<T>(items: ArrayLike<T>, n: number, seed: number): T[] {
  const random = seededRandom(seed);
  const idx = Array.from({ length: items.length }, (_, i) => i);
  const take = Math.min(n, idx.length);
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(random() * (idx.length - i));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.slice(0, take).map((i) => items[i]);
}

/** Uniform over the text range: [first entry, text end) where text end is `_etext` if known, else just past the last entry. */
export function uniformSet(t: EntryTable, n: number, seed: number, textEnd?: number): AddressSet {
  if (t.count === 0)
    return {
      name: 'uniform',
      description: 'uniform',
      offsets: [],
      population: 0,
      note: 'no entries',
    };
  const lo = t.offsets[0];
  const hi = textEnd !== undefined && textEnd > lo ? textEnd : t.offsets[t.count - 1] + 1;
  const random = seededRandom(seed);
  const offsets: number[] = [];
  for (let i = 0; i < n; i++) offsets.push(lo + Math.floor(random() * (hi - lo)));
  return {
    name: 'uniform',
    description: `uniform over the text range [+0x${lo.toString(16)}, +0x${hi.toString(16)})${textEnd !== undefined ? ' (to _etext)' : ''}`,
    offsets,
    population: hi - lo,
  };
}

/** The start of every entry (a seeded sample of them when there are more than `n`). */
export function entrySet(t: EntryTable, n: number, seed: number): AddressSet {
  return {
    name: 'entries',
    description: 'the start of an entry (each entry equally likely)',
    offsets: seededSample(t.offsets.subarray(0, t.count), n, seed),
    population: t.count,
  };
}

/**
 * The worst case for blocks: the last entry of each block of `blockSize`
 * (the lookup decodes the whole block). For the flat format the same
 * addresses (blocks of 64, the upstream size) are an ordinary sample.
 */
export function blockEndSet(t: EntryTable, blockSize: number, n: number, seed: number): AddressSet {
  const nb = Math.ceil(t.count / blockSize);
  const ends = new Uint32Array(nb);
  for (let b = 0; b < nb; b++) ends[b] = t.offsets[Math.min(t.count, (b + 1) * blockSize) - 1];
  return {
    name: 'block-end',
    description: `the last entry of each block of ${blockSize} (the blocks format's worst case: a whole block decoded)`,
    offsets: seededSample(ends, n, seed),
    population: nb,
  };
}

export interface CallReturns {
  /** Return addresses (just after a call instruction), as offsets from the base; undefined if not derived. */
  offsets?: number[];
  /** How they were derived, or why not. */
  note: string;
}

/** Call mnemonics of the architectures objdump disassembles for us (x86, arm64, riscv, s390, powerpc, m68k, sh). */
const CALL = /^(call|callq|bl|blr|jal|jalr|brasl|basr|bctrl|bsr|jsr)$/;

/**
 * Return addresses after every call instruction in the executable sections,
 * from one pass of `objdump -d` (grep keeps the calls and the line after
 * each): the addresses a stack trace shows. The return address is the call's
 * address plus its length (raw bytes; x86 wraps long instructions onto a
 * continuation line). Calls to __fentry__ are left out: ftrace turns them
 * into NOPs at boot, so they never appear in a trace.
 */
export function callReturns(elfPath: string, base: bigint, objdump = 'objdump'): CallReturns {
  const re = '[[:space:]](call|callq|bl|blr|jal|jalr|brasl|basr|bctrl|bsr|jsr)[[:space:]]';
  const r = spawnSync('sh', ['-c', '"$1" -d "$2" | grep -A1 -E "$3"', 'sh', objdump, elfPath, re], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.error || (r.status !== 0 && r.status !== 1))
    return {
      note: `not derived: ${objdump} -d failed (${(r.stderr || r.error?.message || '').trim().split('\n')[0]})`,
    };
  const lines = r.stdout.split('\n');
  const out: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    // "ffffffff81000010:\te8 0b 00 00 00       \tcall   ffffffff81001234 <foo>"
    const m = /^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(\S+)(.*)$/.exec(lines[i]);
    if (!m || !CALL.test(m[3]) || m[4].includes('<__fentry__>')) continue;
    let bytes = m[2].replace(/ /g, '').length / 2;
    const c = /^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*$/.exec(lines[i + 1] ?? '');
    if (c) bytes += c[2].replace(/ /g, '').length / 2;
    const ret = BigInt(`0x${m[1]}`) + BigInt(bytes) - base;
    if (ret >= 0n && ret <= 0xffffffffn) out.push(Number(ret));
  }
  if (out.length === 0)
    return {
      note: `not derived: ${objdump} -d found no call instructions (a foreign architecture for this objdump?)`,
    };
  return {
    offsets: out,
    note: `${out.length.toLocaleString('en-US')} return addresses after call instructions, from ${objdump} -d (calls to __fentry__ left out)`,
  };
}

/** A seeded sample of call return addresses, or an empty set saying why. */
export function callSet(calls: CallReturns, n: number, seed: number): AddressSet {
  if (!calls.offsets || calls.offsets.length === 0) {
    return {
      name: 'calls',
      description: 'stack-trace-like: return addresses just after call instructions',
      offsets: [],
      population: 0,
      note: calls.note,
    };
  }
  return {
    name: 'calls',
    description:
      'stack-trace-like: return addresses just after call instructions (each call site equally likely)',
    offsets: seededSample(calls.offsets, n, seed),
    population: calls.offsets.length,
    note: calls.note,
  };
}

/**
 * Addresses at the edges, for the answer check only (never timed): below
 * the base, before the first entry, the last entry, far past it, and past
 * 32 bits of offset. Every lookup there must agree too, found or not.
 */
export function edgeAddresses(t: EntryTable, base: bigint): bigint[] {
  const out: bigint[] = [base, base + 0xffffffffn, base + 0x100000000n];
  if (base > 0n) out.push(base - 1n);
  if (t.count > 0) {
    const first = BigInt(t.offsets[0]);
    const last = BigInt(t.offsets[t.count - 1]);
    if (first > 0n) out.push(base + first - 1n);
    out.push(base + last, base + last + 1n, base + last + 0x100000n);
  }
  return out.filter((a) => a >= 0n && a <= 0xffffffffffffffffn);
}
