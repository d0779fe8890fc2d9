import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EncodedTable } from '../encodings/types.js';
import { UserError } from '../errors.js';
import { cacheRoot } from '../kernels/cache.js';
import type { RawSamples, SamplingPolicy, TimerInfo } from './stats.js';

/**
 * The native lookup harness (native/lookup-bench.c): compiled at run time
 * with the system C compiler into the cache, keyed by a hash of the source,
 * the compiler and its flags, then driven through files.
 */

const here = dirname(fileURLToPath(import.meta.url));
export const HARNESS_FLAGS = ['-O2', '-std=gnu11', '-Wall'];
/**
 * The checking variant's extra flags: AddressSanitizer catches a read past
 * the table that does not fault (the table is then allocated at its exact
 * size), UBSan undefined arithmetic; both stop the harness at the first report.
 */
export const SANITIZER_FLAGS = [
  '-g',
  '-fno-omit-frame-pointer',
  '-fsanitize=address,undefined',
  '-fno-sanitize-recover=all',
];
/** The sanitized harness's runtime options: no leak report (the harness exits without freeing), a report is exit 86. */
const SANITIZER_ENV = {
  ASAN_OPTIONS: 'detect_leaks=0:exitcode=86',
  UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1:exitcode=86',
};
/** The freestanding lookups beside the harness that it includes (also compiled alone, with kernel flags, by the tests). */
export const KERNEL_LOOKUPS = ['lineinfo-page-huffman.h'];

/** Where the C source is: beside this module (src/) or, from dist/, back in src/. */
export function harnessSource(): string {
  const candidates = [
    join(here, 'native', 'lookup-bench.c'),
    join(here, '..', '..', 'src', 'measure', 'native', 'lookup-bench.c'),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found)
    throw new UserError(
      `the native harness source is missing (looked in ${candidates.join(', ')})`,
    );
  return found;
}

export interface Harness {
  path: string;
  cc: string;
  /** First line of `cc --version`. */
  ccVersion: string;
  flags: string[];
  /** Format names (before the first ':') the harness knows. */
  formats: string[];
  /** Environment the harness runs with (the sanitized variant's options), added to the process's. */
  env?: Record<string, string>;
}

export type HarnessResult = { ok: true; harness: Harness } | { ok: false; reason: string };

/**
 * Compiles the harness (or reuses the cached binary). No compiler is not an
 * error: the caller falls back to the TypeScript model and says so. A
 * compiler that fails on our source is a bug, and throws.
 */
export function buildHarness(
  cc = 'cc',
  env: Record<string, string | undefined> = process.env,
  variant: 'plain' | 'sanitized' = 'plain',
): HarnessResult {
  const flags = variant === 'sanitized' ? [...HARNESS_FLAGS, ...SANITIZER_FLAGS] : HARNESS_FLAGS;
  let version: string;
  try {
    version = execFileSync(cc, ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).split('\n')[0];
  } catch {
    return { ok: false, reason: `no C compiler: ${cc} --version failed` };
  }
  const src = harnessSource();
  const text = readFileSync(src);
  // the kernel-ready lookups it includes are part of what is compiled
  const included = KERNEL_LOOKUPS.map((h) => readFileSync(join(dirname(src), h)));
  const key = createHash('sha256')
    .update(text)
    .update(Buffer.concat(included))
    .update(`\0${cc}\0${version}\0${flags.join(' ')}`)
    .digest('hex')
    .slice(0, 16);
  const dir = join(cacheRoot(env), 'native');
  const out = join(dir, `lookup-bench-${key}`);
  if (!existsSync(out)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${out}.tmp-${process.pid}`;
    const r = spawnSync(cc, [...flags, '-o', tmp, src], { encoding: 'utf8' });
    if (r.status !== 0) {
      rmSync(tmp, { force: true });
      // a compiler without the sanitizer runtimes is a missing tool, not a bug in our source
      if (variant === 'sanitized')
        return { ok: false, reason: `${cc} cannot build with ${SANITIZER_FLAGS.join(' ')}` };
      throw new Error(`${cc} failed on ${src}:\n${r.stderr ?? r.error?.message}`);
    }
    renameSync(tmp, out);
  }
  const harnessEnv = variant === 'sanitized' ? SANITIZER_ENV : undefined;
  const formats = execFileSync(out, ['formats'], {
    encoding: 'utf8',
    env: { ...process.env, ...harnessEnv },
  })
    .split('\n')
    .filter(Boolean);
  return {
    ok: true,
    harness: { path: out, cc, ccVersion: version, flags, formats, env: harnessEnv },
  };
}

/** Whether the harness implements a format id ("blocks:64:sleb" -> "blocks"). */
export function harnessKnows(h: Harness, format: string): boolean {
  return h.formats.includes(format.split(':')[0]);
}

/** One lookup answer, as the harness writes it. */
export interface Answer {
  found: boolean;
  index: number;
  offset: number;
  fileId: number;
  line: number;
}

function scratch(): string {
  const d = join(
    tmpdir(),
    `lineinfo-bench-native-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  );
  mkdirSync(d, { recursive: true });
  return d;
}

function writeInputs(dir: string, table: EncodedTable, addresses: BigUint64Array) {
  const tablePath = join(dir, 'table.bin');
  const addrPath = join(dir, 'addrs.bin');
  writeFileSync(tablePath, table.bytes);
  // host byte order, as the harness reads it
  writeFileSync(
    addrPath,
    new Uint8Array(addresses.buffer, addresses.byteOffset, addresses.byteLength),
  );
  return { tablePath, addrPath };
}

function spawnHarness(h: Harness, args: string[]) {
  return spawnSync(h.path, args, {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    env: h.env ? { ...process.env, ...h.env } : process.env,
  });
}

function runHarness(h: Harness, args: string[]): string {
  const r = spawnHarness(h, args);
  if (r.status !== 0) {
    throw new Error(
      `native harness failed (${args[0]} ${args[1]}): ${(r.stderr || r.error?.message || '').trim()}`,
    );
  }
  return r.stdout;
}

/**
 * Writes the table and addresses to a scratch directory, runs the harness
 * with `command` (it writes `out`), hands both to `read`, and removes the
 * directory whatever happens.
 */
function withHarnessRun<T>(
  h: Harness,
  command: 'check' | 'time',
  table: EncodedTable,
  base: bigint,
  addresses: BigUint64Array,
  extra: string[],
  read: (out: Buffer, stdout: string) => T,
): T {
  const dir = scratch();
  try {
    const { tablePath, addrPath } = writeInputs(dir, table, addresses);
    const out = join(dir, `${command}.bin`);
    const stdout = runHarness(h, [
      ...harnessArgs(command, table, base, tablePath, addrPath, out),
      ...extra,
    ]);
    return read(readFileSync(out), stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A harness command's arguments over a table and an address file, in the order main() takes them. */
function harnessArgs(
  command: string,
  table: EncodedTable,
  base: bigint,
  tablePath: string,
  addrPath: string,
  out: string,
): string[] {
  return [
    command,
    table.format,
    table.littleEndian ? '1' : '0',
    base.toString(),
    tablePath,
    addrPath,
    out,
  ];
}

/**
 * The harness's answers at every address, five u32 per address: found,
 * entry index, entry offset, file id, line (zeros when not found).
 */
export function nativeAnswersRaw(
  h: Harness,
  table: EncodedTable,
  base: bigint,
  addresses: BigUint64Array,
): Uint32Array {
  return withHarnessRun(h, 'check', table, base, addresses, [], (b) => {
    const u = new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    if (u.length !== addresses.length * 5)
      throw new Error(
        `native harness wrote ${u.length / 5} answers for ${addresses.length} addresses`,
      );
    return u;
  });
}

/** The harness on a table it may refuse: its answers, its refusal (exit 2, one line), or anything else (a fault). */
export type NativeProbe =
  | { kind: 'answered'; answers: Uint32Array }
  | { kind: 'refused'; reason: string }
  | { kind: 'fault'; reason: string };

/**
 * Runs `check` on a table that may be corrupt: a refusal to open it is an
 * answer (the kernel would print no line info), a signal, a sanitizer report
 * or any other exit is a fault.
 */
export function nativeProbe(
  h: Harness,
  table: EncodedTable,
  base: bigint,
  addresses: BigUint64Array,
): NativeProbe {
  const dir = scratch();
  try {
    const { tablePath, addrPath } = writeInputs(dir, table, addresses);
    const out = join(dir, 'check.bin');
    const r = spawnHarness(h, harnessArgs('check', table, base, tablePath, addrPath, out));
    const stderr = (r.stderr ?? '').trim();
    if (r.status === 0) {
      const b = readFileSync(out);
      const u = new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      if (u.length === addresses.length * 5) return { kind: 'answered', answers: u };
      return { kind: 'fault', reason: `${u.length / 5} answers for ${addresses.length} addresses` };
    }
    if (r.status === 2 && /^lookup-bench: [^\n]*$/.test(stderr))
      return { kind: 'refused', reason: stderr.slice('lookup-bench: '.length) };
    const how = r.signal ? `signal ${r.signal}` : `exit ${r.status ?? r.error?.message}`;
    return { kind: 'fault', reason: `${how}: ${stderr.split('\n').slice(0, 12).join('\n')}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * nativeProbe over many tables of one format and byte order in one harness
 * process (`check-many`); when the process faults, each table of the batch
 * is run alone so the fault is pinned on its table.
 */
export function nativeProbeMany(
  h: Harness,
  format: string,
  littleEndian: boolean,
  tables: Uint8Array[],
  base: bigint,
  addresses: BigUint64Array,
): NativeProbe[] {
  if (tables.length === 0) return [];
  const dir = scratch();
  try {
    const addrPath = join(dir, 'addrs.bin');
    writeFileSync(
      addrPath,
      new Uint8Array(addresses.buffer, addresses.byteOffset, addresses.byteLength),
    );
    const paths = tables.map((t, k) => {
      const p = join(dir, `table-${k}.bin`);
      writeFileSync(p, t);
      return p;
    });
    const out = join(dir, 'check.bin');
    const r = spawnHarness(h, [
      'check-many',
      format,
      littleEndian ? '1' : '0',
      base.toString(),
      addrPath,
      out,
      ...paths,
    ]);
    const per = 1 + 5 * addresses.length;
    if (r.status === 0) {
      const b = readFileSync(out);
      const u = new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      if (u.length === per * tables.length)
        return tables.map((_, k) =>
          u[per * k] === 1
            ? { kind: 'answered', answers: u.slice(per * k + 1, per * (k + 1)) }
            : { kind: 'refused', reason: 'refused' },
        );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const one = (t: Uint8Array): EncodedTable => ({
    format,
    littleEndian,
    entries: 0,
    files: 0,
    bytes: t,
    parts: [],
  });
  return tables.map((t) => nativeProbe(h, one(t), base, addresses));
}

/** Answer `i` of nativeAnswersRaw's output. */
export function answerAt(u: Uint32Array, i: number): Answer {
  return {
    found: u[5 * i] === 1,
    index: u[5 * i + 1],
    offset: u[5 * i + 2],
    fileId: u[5 * i + 3],
    line: u[5 * i + 4],
  };
}

/** The harness's answer at every address. */
export function nativeAnswers(
  h: Harness,
  table: EncodedTable,
  base: bigint,
  addresses: BigUint64Array,
): Answer[] {
  const u = nativeAnswersRaw(h, table, base, addresses);
  return Array.from({ length: addresses.length }, (_, i) => answerAt(u, i));
}

/**
 * How a cold sample is made cold: `walk` reads a buffer of twice the
 * last-level cache (everything evicted, code and TLB too); `flush` flushes
 * every line of the table (x86 only, 50 to 100 times cheaper, so a run can
 * take thousands of samples). Each sample is the median of `repeats` cold
 * lookups of its address.
 */
export interface ColdEviction {
  method: 'walk' | 'flush';
  repeats: number;
}

/** The cold eviction this host's harness can do best. */
export const HOST_COLD_EVICTION: ColdEviction =
  process.arch === 'x64' || process.arch === 'ia32'
    ? { method: 'flush', repeats: 3 }
    : { method: 'walk', repeats: 1 };

export interface NativeTiming extends RawSamples {
  timer: TimerInfo;
  evictBytes: number;
  /** How cold samples were made cold ('none' for warm runs), and the lookups behind each sample. */
  eviction: ColdEviction['method'] | 'none';
  repeats: number;
  /** The CPU the harness pinned itself to (-1: not pinned). */
  cpu: number;
  /** The harness asks for transparent huge pages for the table (the kernel maps .rodata with large pages): bytes it got, -1 if unknown. */
  tableHugeBytes: number;
}

/**
 * Times lookups in the harness: one address per sample, in the order given
 * (warm: the address repeated `batch` times; cold: the median of
 * `eviction.repeats` lookups, each after an eviction, the evictions timed
 * apart). The harness pins itself to the CPU it starts on.
 */
export function nativeTiming(
  h: Harness,
  table: EncodedTable,
  base: bigint,
  addresses: BigUint64Array,
  mode: 'warm' | 'cold',
  policy: SamplingPolicy,
  evictBytes: number,
  eviction: ColdEviction = { method: 'walk', repeats: 1 },
): NativeTiming {
  const extra = [
    mode,
    String(mode === 'cold' ? evictBytes : 0),
    String(policy.warmupNs),
    String(policy.minSamples),
    String(policy.minTimeNs),
    String(policy.maxSamples),
    String(policy.batchResolutions),
    String(policy.maxBatch),
    eviction.method,
    String(eviction.repeats),
  ];
  return withHarnessRun(h, 'time', table, base, addresses, extra, (b, stdout) => {
    const meta = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
      samples: number;
      prepare: number;
      batch: number;
      warmupCalls: number;
      elapsedNs: number;
      resolutionNs: number;
      overheadNs: number;
      evictBytes: number;
      tableHugeBytes: number;
      eviction: NativeTiming['eviction'];
      repeats: number;
      cpu: number;
    };
    const f = new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    if (f.length !== meta.samples + meta.prepare)
      throw new Error(
        `native harness wrote ${f.length} figures, announced ${meta.samples} + ${meta.prepare}`,
      );
    return {
      samples: Array.from(f.subarray(0, meta.samples)),
      prepare: Array.from(f.subarray(meta.samples)),
      batch: meta.batch,
      warmupCalls: meta.warmupCalls,
      elapsedNs: meta.elapsedNs,
      timer: { resolutionNs: meta.resolutionNs, overheadNs: meta.overheadNs },
      evictBytes: meta.evictBytes,
      tableHugeBytes: meta.tableHugeBytes,
      eviction: meta.eviction,
      repeats: meta.repeats,
      cpu: meta.cpu,
    };
  });
}
