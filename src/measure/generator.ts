import { spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { arch as hostArch, tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ElfFile, ET, type Section, SHT } from '../elf/elf-file.js';
import { relocationRecordsFor, relocationTarget } from '../elf/relocation-records.js';
import { NEWEST_ABS32, NEWEST_ABS64, relocationTypeName } from '../elf/relocation-types.js';
import { moduleV3Format, V3_HEADER_SIZE, V3_HEADER_WORDS } from '../encodings/module.js';
import type { EncodedBlob, ModuleFormat } from '../encodings/module-sections.js';
import { parseFormat } from '../encodings/registry.js';
import { REVISIONS } from '../encodings/revisions.js';
import { BUCKETS, type Bucket, type EncodedTable, type TablePart } from '../encodings/types.js';
import { FormatError, UserError } from '../errors.js';
import { ARCHES } from '../kernels/arches.js';
import { cacheRoot, markDone, readDone, sha256 } from '../kernels/cache.js';
import type { EntryTable } from '../lineinfo/entries.js';
import { extractUpstream } from '../lineinfo/extract.js';
import { RULE_SETS } from '../lineinfo/rules.js';
import { account } from './accounting.js';

/**
 * `generator check`: builds the upstream generator (`scripts/gen_lineinfo.c`,
 * C on elfutils' libdw) from a kernel tree, runs it on a vmlinux or `.ko` as
 * kbuild does, assembles its output with the target's assembler, reads the
 * tables back from the object and compares them with our model of the same
 * revision: entries, file names and the table's bytes, part by part.
 *
 * The generator's source is an input, like a kernel tree: it is compiled
 * and run, never copied into this project.
 */

/**
 * The generator revisions we hold sources of (spec section 6), as named in
 * encodings/revisions.ts: each names our rule set and the layouts it emits.
 */
export const GENERATOR_REVISIONS = ['v1-v4', 'newest'] as const;
export type GeneratorRevision = (typeof GENERATOR_REVISIONS)[number];

/** kbuild exports the build roots to the newest generator in these variables, in this order. */
export const BUILD_ROOT_VARS = ['objtree', 'srctree', 'srcroot'] as const;

/** At most this many differing entries and file names are listed. */
const MAX_LISTED = 12;

const CC = 'cc';
const CFLAGS = ['-O2'];

export interface GeneratorSource {
  /** The C file. */
  source: string;
  /** The kernel tree it sits in (its `scripts/` parent). */
  tree: string;
  /** `<tree>/scripts/include`, when the tree has one (the newest generator's `#include <hash.h>` ...). */
  includeDir?: string;
  text: string;
  sha256: string;
}

/** Where the generator's source is: a `gen_lineinfo.c` or a tree with `scripts/gen_lineinfo.c`. */
export function locateGenerator(spec: string): GeneratorSource {
  const path = resolve(spec);
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw new UserError('no such file or directory (a gen_lineinfo.c or a kernel tree)', spec);
  }
  const source = st.isDirectory() ? join(path, 'scripts', 'gen_lineinfo.c') : path;
  if (!existsSync(source))
    throw new UserError('no scripts/gen_lineinfo.c in this directory (not a kernel tree?)', spec);
  // `#include "../include/linux/mod_lineinfo.h"` is relative to the source's folder
  const tree = dirname(dirname(source));
  const inc = join(dirname(source), 'include');
  const text = readFileSync(source, 'utf8');
  return {
    source,
    tree,
    includeDir: existsSync(inc) ? inc : undefined,
    text,
    sha256: sha256(text),
  };
}

export interface RevisionGuess {
  revision: GeneratorRevision;
  /** What in the source decided it. */
  because: string;
}

/**
 * The revision, from the source text. What we key on:
 * - newest (post-v7): it synthesizes entries at symbol starts
 *   (`synthesize_symbol_starts`) and strips build roots (`path_roots`, from
 *   objtree/srctree/srcroot); no earlier revision has either;
 * - v1-v4: no `_etext` anywhere (v5 added the `_etext` cap, and every
 *   revision since handles it), whatever table it emits (flat in v1 patch 1,
 *   blocks from patch 3 on; the rules are the same).
 * Anything else (v5 to v7) is none of ours: undefined, and `--revision` decides.
 */
export function detectRevision(text: string): RevisionGuess | undefined {
  if (text.includes('synthesize_symbol_starts') && text.includes('path_roots'))
    return {
      revision: 'newest',
      because: 'synthesize_symbol_starts and path_roots: symbol starts, build roots',
    };
  if (!text.includes('_etext'))
    return { revision: 'v1-v4', because: 'no _etext handling; v5 added the _etext cap' };
  return undefined;
}

export interface BuiltGenerator extends GeneratorSource {
  binary: string;
  /** The cache key: SHA-256 over the compiler, flags, libdw version, source and every header it includes. */
  key: string;
  /** The headers the source includes (outside the system's), relative to the tree where inside it. */
  headers: { path: string; sha256: string }[];
  cc: string;
  ccVersion: string;
  flags: string[];
  libdwVersion: string;
  /** True when the binary came from the cache. */
  cached: boolean;
  buildMs: number;
}

function firstLine(text: string, pattern?: RegExp): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return (pattern ? lines.find((l) => pattern.test(l)) : undefined) ?? lines[0] ?? '';
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines[lines.length - 1] ?? '';
}

/** Runs a short tool; undefined when it is not on PATH. */
function tool(cmd: string, args: string[], cwd?: string) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw r.error;
  }
  return r;
}

/** A compiler's first error line, the source's path shortened to "line:col". */
function compileError(stderr: string, source: string): string {
  const line = firstLine(stderr, /\berror\b/i).trim();
  return line.startsWith(`${source}:`) ? line.slice(source.length + 1) : line;
}

/**
 * Compiles the generator with the system `cc` against libdw (Debian's
 * libdw-dev), or takes it from the cache: `<cache>/generators/<key>/`,
 * keyed by a SHA-256 of the source and every header it includes (as `cc -MM`
 * lists them), the compiler, its flags and libdw's version.
 */
export function buildGenerator(
  spec: string,
  env: Record<string, string | undefined> = process.env,
): BuiltGenerator {
  const src = locateGenerator(spec);
  const { source } = src;
  const started = Date.now();
  const ccv = tool(CC, ['--version']);
  if (ccv?.status !== 0)
    throw new UserError(`no C compiler: ${CC} is not on PATH (install gcc)`, source);
  const ccVersion = firstLine(ccv.stdout);
  const pc = tool('pkg-config', ['--cflags', '--libs', 'libdw']);
  if (!pc)
    throw new UserError('pkg-config is not on PATH (install pkg-config and libdw-dev)', source);
  if (pc.status !== 0)
    throw new UserError(
      `libdw-dev is not installed (pkg-config --cflags --libs libdw: ${firstLine(pc.stderr) || 'failed'})`,
      source,
    );
  const libdwFlags = pc.stdout.trim().split(/\s+/).filter(Boolean);
  const libdwVersion = tool('pkg-config', ['--modversion', 'libdw'])?.stdout.trim() ?? '?';
  const includes = src.includeDir ? ['-I', src.includeDir] : [];
  const flags = [...CFLAGS, ...includes];

  // The headers it includes: cc -MM names every one found outside the system's directories.
  const mm = tool(CC, [...flags, '-MM', source]);
  if (mm?.status !== 0)
    throw new UserError(
      `does not compile (${CC}): ${compileError(mm?.stderr ?? '', source)}`,
      source,
    );
  const deps = mm.stdout
    .replace(/\\\n/g, ' ')
    .split(/\s+/)
    .filter((t) => t && !t.endsWith(':'))
    .filter((t) => resolve(t) !== source);
  const headers = deps.map((d) => {
    const abs = resolve(d);
    const rel = relative(src.tree, abs);
    return {
      path: rel.startsWith('..') || isAbsolute(rel) ? abs : rel,
      sha256: sha256(readFileSync(abs)),
    };
  });
  const key = sha256(
    JSON.stringify({
      v: 1,
      cc: CC,
      ccVersion,
      flags: CFLAGS,
      libdw: [libdwVersion, libdwFlags],
      source: src.sha256,
      headers,
    }),
  ).slice(0, 16);
  const dir = join(cacheRoot(env), 'generators', key);
  const binary = join(dir, 'gen_lineinfo');
  const base = { ...src, binary, key, headers, cc: CC, ccVersion, libdwVersion };
  const compileFlags = [...flags, '-o', binary, source, ...libdwFlags, '-lelf'];
  if (existsSync(binary) && readDone(dir))
    return { ...base, flags: compileFlags, cached: true, buildMs: Date.now() - started };

  mkdirSync(dir, { recursive: true });
  const tmp = `${binary}.tmp-${process.pid}`;
  const args = [...flags, '-o', tmp, source, ...libdwFlags, '-lelf'];
  const r = tool(CC, args)!;
  if (r.status !== 0) {
    rmSync(tmp, { force: true });
    throw new UserError(`does not compile (${CC}): ${compileError(r.stderr, source)}`, source);
  }
  renameSync(tmp, binary);
  markDone(dir, { source, sha256: src.sha256, headers, cc: ccVersion, flags: args, libdwVersion });
  return { ...base, flags: compileFlags, cached: false, buildMs: Date.now() - started };
}

/** Cross prefixes for arches our build matrix does not list (Debian's cross binutils). */
const EXTRA_PREFIXES: Record<string, string> = {
  mipsel: 'mipsel-linux-gnu-',
  mips64: 'mips64-linux-gnuabi64-',
  mips64el: 'mips64el-linux-gnuabi64-',
  parisc64: 'hppa64-linux-gnu-',
  ppc: 'powerpc-linux-gnu-',
  alpha: 'alpha-linux-gnu-',
  sh: 'sh4-linux-gnu-',
  sparc: 'sparc64-linux-gnu-',
};

/** Assemblers found on PATH so far (a missing one is looked for again). */
const assemblersFound = new Set<string>();

/** The assembler for the target: the host `as` for x86_64 on an x86_64 host, else the cross one. */
export function assemblerFor(elf: ElfFile): { as: string; args: string[] } {
  const name = elf.arch.name;
  let prefix: string | undefined;
  if (name === 'x86_64') prefix = hostArch() === 'x64' ? '' : 'x86_64-linux-gnu-';
  else prefix = ARCHES.find((a) => a.name === name)?.crossPrefix ?? EXTRA_PREFIXES[name];
  if (prefix === undefined)
    throw new UserError(`no assembler known for ${name}: cannot assemble the generator's output`);
  const as = `${prefix}as`;
  // checked once per process: a check costs a process start, and a run over many inputs (modules, fuzzing) asks each time
  const v = assemblersFound.has(as) ? { status: 0 } : tool(as, ['--version']);
  if (v?.status === 0) assemblersFound.add(as);
  if (v?.status !== 0)
    throw new UserError(
      `no assembler for ${name}: ${as} is not on PATH (install binutils${prefix ? `-${prefix.slice(0, -1)}` : ''})`,
      elf.name,
    );
  const args = name === 's390' ? ['-m31'] : name === 'sparc' ? ['-32'] : [];
  return { as, args };
}

/** One output section of the assembled object (modules: `.mod_lineinfo`, `.init.mod_lineinfo`). */
export interface AssembledSection {
  name: string;
  size: number;
  bytes: Uint8Array;
  /** Relocation records aimed at the section (the newest revision anchors each covered text section). */
  relocations: number;
  /** Those records, in file order. */
  records: RelocationRecord[];
}

/** One relocation record against a module line-info section (an anchor of the newest revision). */
export interface RelocationRecord {
  offset: number;
  type: number;
  /** The type's name for the target's machine (R_X86_64_64 ...). */
  typeName: string;
  /** The symbol's name, or its section's for a section symbol: the covered section the anchor points at. */
  target: string;
  /** RELA: the record's addend; REL: 0 (the addend is the bytes at the offset, compared with the bytes). */
  addend: number;
}

/** One run of the generator and the assembler on its output. */
export interface GeneratorRun {
  /** The command line, with the input named as given. */
  argv: string[];
  /** The build-root variables set for the run (none unless given). */
  env: Record<string, string>;
  runMs: number;
  /** What the generator wrote to stderr, line by line. */
  stderr: string[];
  /** Bytes of assembly it wrote. */
  asmBytes: number;
  assembler: string;
  assembleMs: number;
}

export interface GeneratorOutput extends GeneratorRun {
  mode: 'vmlinux' | 'module';
  /** vmlinux: `.rodata` and its `lineinfo_*` symbols; modules: every `*mod_lineinfo` section. */
  rodata?: { bytes: Uint8Array; symbols: { name: string; offset: number; size: number }[] };
  sections: AssembledSection[];
}

export interface RunOptions {
  /** objtree, srctree, srcroot in this order (the newest generator's build roots). */
  buildRoots?: string[];
  /** Where the generator runs (kbuild: $objtree); relative build roots resolve against it. */
  cwd?: string;
  /** Called before each slow step. */
  onStage?: (what: string) => void;
}

/**
 * Runs a built generator on one ELF file as kbuild does (vmlinux mode, or
 * `--module` for a relocatable `.ko`), assembles what it prints with the
 * target's assembler and reads the tables back from the object.
 */
export function runGenerator(
  gen: BuiltGenerator,
  elfPath: string,
  elf: ElfFile,
  options: RunOptions = {},
): GeneratorOutput {
  const module = elf.type === ET.REL;
  const asm = assemblerFor(elf);
  const work = mkdtempSync(join(tmpdir(), 'lineinfo-generator-'));
  try {
    // absolute, as the generator runs in options.cwd; a module gets a copy, never the
    // caller's file: v4 opens it O_RDWR (and never writes back)
    let input = resolve(elfPath);
    if (module) {
      input = join(work, basename(elfPath));
      copyFileSync(elfPath, input);
    }
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const v of [...BUILD_ROOT_VARS, 'KBUILD_VERBOSE']) delete env[v];
    const roots: Record<string, string> = {};
    (options.buildRoots ?? []).forEach((r, i) => {
      roots[BUILD_ROOT_VARS[i]] = r;
    });
    Object.assign(env, roots);
    const argv = [...(module ? ['--module'] : []), input];
    const asmPath = join(work, 'lineinfo.S');
    const fd = openSync(asmPath, 'w');
    options.onStage?.(`running gen_lineinfo on ${basename(elfPath)}`);
    const t0 = Date.now();
    const r = spawnSync(gen.binary, argv, {
      cwd: options.cwd,
      env,
      stdio: ['ignore', fd, 'pipe'],
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const runMs = Date.now() - t0;
    closeSync(fd);
    if (r.error) throw r.error;
    const stderr = (r.stderr ?? '').split('\n').filter((l) => l.trim() !== '');
    if (r.status !== 0) {
      const why = r.signal ? `was killed by ${r.signal}` : `exited ${r.status}`;
      throw new UserError(
        `gen_lineinfo ${why} on ${elfPath}: ${lastLine(r.stderr ?? '') || 'no message'}`,
        gen.source,
      );
    }
    const asmBytes = statSync(asmPath).size;
    const obj = join(work, 'lineinfo.o');
    options.onStage?.(`assembling ${(asmBytes / 1e6).toFixed(1)} MB with ${asm.as}`);
    const t1 = Date.now();
    const a = tool(asm.as, [...asm.args, '-o', obj, asmPath])!;
    const assembleMs = Date.now() - t1;
    if (a.status !== 0)
      throw new UserError(
        `${asm.as} cannot assemble the generator's output: ${firstLine(a.stderr, /error/i)}`,
        gen.source,
      );
    const out = readAssembled(obj, elf, module);
    return {
      mode: module ? 'module' : 'vmlinux',
      argv: [...(module ? ['--module'] : []), elfPath],
      env: roots,
      runMs,
      stderr,
      asmBytes,
      assembler: [asm.as, ...asm.args].join(' '),
      assembleMs,
      ...out,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The tables in the assembled object: `.rodata` and its `lineinfo_*` symbols, and the module sections. */
function readAssembled(
  obj: string,
  target: ElfFile,
  module: boolean,
): Pick<GeneratorOutput, 'rodata' | 'sections'> {
  const o = ElfFile.open(obj);
  try {
    if (o.littleEndian !== target.littleEndian || o.is64 !== target.is64) {
      throw new UserError(
        `the assembler wrote ELF${o.is64 ? 64 : 32} ${o.littleEndian ? 'little' : 'big'}-endian for an ELF${target.is64 ? 64 : 32} ${target.littleEndian ? 'little' : 'big'}-endian target`,
        target.name,
      );
    }
    const relocs = (index: number) =>
      o.sections
        .filter((s) => (s.type === SHT.RELA || s.type === SHT.REL) && s.info === index)
        .reduce((n, s) => n + (s.entsize ? Math.floor(s.size / s.entsize) : 0), 0);
    const sections = o.sections
      .filter((s) => s.name.endsWith('mod_lineinfo') && s.type !== SHT.RELA && s.type !== SHT.REL)
      .map((s) => ({
        name: s.name,
        size: s.size,
        bytes: o.contents(s).bytes.slice(),
        relocations: relocs(s.index),
        records: relocationRecords(o, s),
      }));
    if (module) return { sections };
    const ro = o.section('.rodata');
    const syms = o.symbols();
    if (!ro || !syms) throw new UserError("the generator's output has no .rodata", target.name);
    const symbols: { name: string; offset: number; size: number }[] = [];
    for (let i = 0; i < syms.count; i++) {
      if (syms.shndx[i] === ro.index && syms.names[i].startsWith('lineinfo_'))
        symbols.push({ name: syms.names[i], offset: Number(syms.values[i]), size: syms.sizes[i] });
    }
    if (symbols.length === 0)
      throw new UserError("the generator's output defines no lineinfo_* symbols", target.name);
    symbols.sort((a, b) => a.offset - b.offset);
    if (relocs(ro.index) > 0)
      throw new UserError(
        `the assembled .rodata carries ${relocs(ro.index)} relocations: its bytes are not final`,
        target.name,
      );
    return { rodata: { bytes: o.contents(ro).bytes.slice(), symbols }, sections };
  } finally {
    o.close();
  }
}

/** The relocation records aimed at `section` of an assembled object, in offset order. */
function relocationRecords(o: ElfFile, section: Section): RelocationRecord[] {
  const syms = o.symbols();
  return relocationRecordsFor(o, section)
    .map((r) => ({
      offset: r.offset,
      type: r.type,
      typeName: relocationTypeName(o.machine, r.type),
      target: (syms && relocationTarget(o, syms, r.symbol)) ?? `symbol ${r.symbol}`,
      addend: Number(r.addend),
    }))
    .sort((a, b) => a.offset - b.offset);
}

/** One table part, both sides: bytes in the generator's assembled output and in our encoder's. */
export interface PartRow {
  symbol: string;
  bucket: Bucket;
  generator?: number;
  ours?: number;
}

export interface EntryView {
  index: number;
  offset: number;
  fileId: number;
  file: string;
  line: number;
}

/** One difference of the two entry tables, walked in offset order (both are sorted by offset). */
export interface EntryDifference {
  kind: 'only-generator' | 'only-ours' | 'changed';
  /** A newest module's covered section the entries are in (offsets relative to it). */
  section?: string;
  generator?: EntryView;
  ours?: EntryView;
}

export interface TableComparison {
  entries: { generator: number; ours: number };
  files: { generator: number; ours: number };
  /** Offsets with an entry in the generator's table only. */
  onlyGenerator: number;
  onlyOurs: number;
  /** Same offset, another file name or line. */
  changed: number;
  /** Same offset, file name and line, another file id. */
  fileIdOnly: number;
  /** The first differences, in offset order. */
  differences: EntryDifference[];
  /** The first file ids whose names differ. */
  fileDifferences: { id: number; generator?: string; ours?: string }[];
  fileNamesDiffer: number;
  bytes: {
    generator: number;
    ours: number;
    identical: boolean;
    generatorSha256: string;
    oursSha256: string;
    /** The first byte that differs, and the generator's part it falls in. */
    firstDifference?: { offset: number; part: string };
    /**
     * Bytes of the assembled section after the table's last part: the
     * assembler rounding the section up to its alignment (s390x: 8), not
     * written by the generator, so not compared.
     */
    sectionTail: number;
  };
  parts: PartRow[];
  buckets: { generator: Record<Bucket, number>; ours: Record<Bucket, number> };
}

const view = (t: EntryTable, i: number): EntryView => ({
  index: i,
  offset: t.offsets[i],
  fileId: t.fileIds[i],
  file: t.files[t.fileIds[i]] ?? `?${t.fileIds[i]}`,
  line: t.lines[i],
});

/**
 * Compares two entry tables and their encoded bytes. The generator's bytes
 * are its whole assembled section; they are compared up to the end of its
 * last part (`genParts`, alignment gaps included only between parts).
 */
export function compareTables(
  gen: EntryTable,
  sectionBytes: Uint8Array,
  sectionParts: TablePart[],
  ours: EncodedTable,
  ourTable: EntryTable,
): TableComparison {
  const tableEnd = sectionParts
    .filter((p) => p.symbol !== '(align)')
    .reduce((end, p) => Math.max(end, p.offset + p.size), 0);
  const genBytes = sectionBytes.subarray(0, tableEnd);
  const genParts = sectionParts.filter((p) => p.offset < tableEnd);
  const entries = compareEntries(gen, ourTable);
  let first: number | undefined;
  const n = Math.min(genBytes.length, ours.bytes.length);
  for (let k = 0; k < n; k++)
    if (genBytes[k] !== ours.bytes[k]) {
      first = k;
      break;
    }
  if (first === undefined && genBytes.length !== ours.bytes.length) first = n;
  const partAt = (off: number) =>
    genParts.find((p) => off >= p.offset && off < p.offset + p.size)?.symbol ?? '(past the end)';
  const bucketOf = new Map(ours.parts.map((p) => [p.symbol, p.bucket]));
  const genEncoded: EncodedTable = {
    format: ours.format,
    littleEndian: ours.littleEndian,
    entries: gen.count,
    files: gen.files.length,
    bytes: genBytes,
    parts: genParts.map((p) => ({ ...p, bucket: bucketOf.get(p.symbol) ?? guessBucket(p.symbol) })),
  };
  return {
    ...entries,
    bytes: {
      generator: genBytes.length,
      ours: ours.bytes.length,
      identical: first === undefined,
      generatorSha256: sha256(genBytes),
      oursSha256: sha256(ours.bytes),
      firstDifference: first === undefined ? undefined : { offset: first, part: partAt(first) },
      sectionTail: sectionBytes.length - tableEnd,
    },
    parts: sideBySide(genEncoded.parts, ours.parts),
    buckets: { generator: account(genEncoded).buckets, ours: account(ours).buckets },
  };
}

/** What two entry tables' comparison finds: the entry and file-name half of a TableComparison. */
export type EntryComparison = Omit<TableComparison, 'bytes' | 'parts' | 'buckets'>;

/** Two entry tables, walked in offset order (both sorted by offset), and their file names by id. */
export function compareEntries(
  gen: EntryTable,
  ourTable: EntryTable,
  section?: string,
): EntryComparison {
  let i = 0;
  let j = 0;
  let onlyGenerator = 0;
  let onlyOurs = 0;
  let changed = 0;
  let fileIdOnly = 0;
  const differences: EntryDifference[] = [];
  const note = (d: EntryDifference) => {
    if (differences.length < MAX_LISTED) differences.push(section ? { section, ...d } : d);
  };
  while (i < gen.count || j < ourTable.count) {
    const go = i < gen.count ? gen.offsets[i] : Number.POSITIVE_INFINITY;
    const oo = j < ourTable.count ? ourTable.offsets[j] : Number.POSITIVE_INFINITY;
    if (go < oo) {
      onlyGenerator++;
      note({ kind: 'only-generator', generator: view(gen, i++) });
    } else if (oo < go) {
      onlyOurs++;
      note({ kind: 'only-ours', ours: view(ourTable, j++) });
    } else {
      const g = view(gen, i++);
      const o = view(ourTable, j++);
      if (g.file !== o.file || g.line !== o.line) {
        changed++;
        note({ kind: 'changed', generator: g, ours: o });
      } else if (g.fileId !== o.fileId) fileIdOnly++;
    }
  }
  const fileDifferences: TableComparison['fileDifferences'] = [];
  let fileNamesDiffer = 0;
  for (let k = 0; k < Math.max(gen.files.length, ourTable.files.length); k++) {
    if (gen.files[k] !== ourTable.files[k]) {
      fileNamesDiffer++;
      if (fileDifferences.length < MAX_LISTED)
        fileDifferences.push({ id: k, generator: gen.files[k], ours: ourTable.files[k] });
    }
  }
  return {
    entries: { generator: gen.count, ours: ourTable.count },
    files: { generator: gen.files.length, ours: ourTable.files.length },
    onlyGenerator,
    onlyOurs,
    changed,
    fileIdOnly,
    differences,
    fileDifferences,
    fileNamesDiffer,
  };
}

/** A part's bucket by its name, for parts our encoder does not write. */
function guessBucket(symbol: string): Bucket {
  if (symbol === '(align)') return 'padding';
  if (/num_|_size$|^header\./.test(symbol)) return 'counts';
  if (/file_offsets/.test(symbol)) return 'file_offsets';
  if (/filenames/.test(symbol)) return 'filenames';
  if (/block_/.test(symbol)) return 'index';
  return 'data';
}

/** Parts by symbol in table order, alignment gaps summed into one row. */
function sideBySide(gen: TablePart[], ours: TablePart[]): PartRow[] {
  const rows = new Map<string, PartRow>();
  const add = (p: TablePart, side: 'generator' | 'ours') => {
    let row = rows.get(p.symbol);
    if (!row) {
      row = { symbol: p.symbol, bucket: p.bucket };
      rows.set(p.symbol, row);
    }
    row[side] = (row[side] ?? 0) + p.size;
  };
  for (const p of ours) add(p, 'ours');
  for (const p of gen) add(p, 'generator');
  const all = [...rows.values()];
  const align = all.filter((r) => r.symbol === '(align)');
  return [...all.filter((r) => r.symbol !== '(align)'), ...align];
}

/** Content parts laid over `size` bytes, every gap between them made an alignment part. */
function withGaps(content: { symbol: string; offset: number; size: number }[], size: number) {
  const parts: TablePart[] = [];
  let at = 0;
  for (const c of [...content].sort((a, b) => a.offset - b.offset)) {
    if (c.offset > at)
      parts.push({ symbol: '(align)', bucket: 'padding', offset: at, size: c.offset - at });
    parts.push({ symbol: c.symbol, bucket: guessBucket(c.symbol), offset: c.offset, size: c.size });
    at = c.offset + c.size;
  }
  if (size > at) parts.push({ symbol: '(align)', bucket: 'padding', offset: at, size: size - at });
  return parts;
}

/**
 * The vmlinux table's parts from the `lineinfo_*` symbols: each runs to the
 * next symbol (the generator emits no `.size`), less the alignment the next
 * one's `.balign` put in front of it, which the table's own counts tell:
 * `lineinfo_data` is `lineinfo_data_size` bytes, `lineinfo_file_ids` 2 per
 * entry, `lineinfo_filenames` `lineinfo_filenames_size` bytes.
 */
export function rodataParts(
  bytes: Uint8Array,
  symbols: { name: string; offset: number; size: number }[],
  littleEndian: boolean,
): TablePart[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = new Map(symbols.map((s) => [s.name, s.offset]));
  const u32 = (name: string) => {
    const o = at.get(name);
    return o === undefined || o + 4 > bytes.length ? undefined : v.getUint32(o, littleEndian);
  };
  const known: Record<string, number | undefined> = {
    lineinfo_data: u32('lineinfo_data_size'),
    lineinfo_filenames: u32('lineinfo_filenames_size'),
    lineinfo_file_ids:
      u32('lineinfo_num_entries') === undefined ? undefined : 2 * u32('lineinfo_num_entries')!,
  };
  const content = symbols.map((s, k) => {
    const span = (k + 1 < symbols.length ? symbols[k + 1].offset : bytes.length) - s.offset;
    const size = s.size > 0 ? s.size : Math.min(span, known[s.name] ?? span);
    return { symbol: s.name, offset: s.offset, size };
  });
  return withGaps(content, bytes.length);
}

/** A v3/v4 `.mod_lineinfo` section's parts, from its 48-byte header (named as our encoder names them). */
function moduleV3Parts(bytes: Uint8Array, le: boolean): TablePart[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < V3_HEADER_SIZE) return withGaps([], bytes.length);
  const h = Object.fromEntries(
    V3_HEADER_WORDS.map((k, i) => [k, v.getUint32(4 * i, le)]),
  ) as Record<(typeof V3_HEADER_WORDS)[number], number>;
  const content = V3_HEADER_WORDS.map((k, i) => ({
    symbol: `header.${k}`,
    offset: 4 * i,
    size: 4,
  }));
  const half = h.blocks_size / 2;
  content.push(
    { symbol: 'block_addrs', offset: h.blocks_offset, size: half },
    { symbol: 'block_offsets', offset: h.blocks_offset + half, size: half },
    { symbol: 'data', offset: h.data_offset, size: h.data_size },
    { symbol: 'file_offsets', offset: h.files_offset, size: h.files_size },
    { symbol: 'filenames', offset: h.filenames_offset, size: h.filenames_size },
  );
  return withGaps(
    content.filter((c) => c.size > 0),
    bytes.length,
  );
}

/** One per-section table of a newest-revision module blob, as its descriptor and header say. */
export interface ModuleBlobSection {
  /** The covered section's size (the anchor itself is a relocation). */
  size: number;
  tableOffset: number;
  entries: number;
  files: number;
  filenamesSize: number;
}

/**
 * The newest revision's blob: an 8-aligned root (u32 count), 16-byte
 * descriptors `{u64 anchor; u32 size; u32 table_offset}`, and per section a
 * header of three u32 (spec section 6). Read for the report only, where
 * the revision's module layout is not modelled (a modelled one is compared
 * through its own `openBlob`).
 */
export function readModuleBlob(bytes: Uint8Array, le: boolean): ModuleBlobSection[] | undefined {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8) return undefined;
  const count = v.getUint32(0, le);
  if (8 + 16 * count > bytes.length) return undefined;
  const out: ModuleBlobSection[] = [];
  for (let k = 0; k < count; k++) {
    const d = 8 + 16 * k;
    const size = v.getUint32(d + 8, le);
    const tableOffset = v.getUint32(d + 12, le);
    if (tableOffset + 12 > bytes.length) return undefined;
    out.push({
      size,
      tableOffset,
      entries: v.getUint32(tableOffset, le),
      files: v.getUint32(tableOffset + 4, le),
      filenamesSize: v.getUint32(tableOffset + 8, le),
    });
  }
  return out;
}

export interface GeneratorCheckOptions extends RunOptions {
  /** Overrides the revision detected from the source. */
  revision?: GeneratorRevision;
  env?: Record<string, string | undefined>;
}

export interface GeneratorCheckResult {
  schemaVersion: 1;
  generator: {
    source: string;
    tree: string;
    sha256: string;
    revision: GeneratorRevision;
    /** Where the revision came from: the source text, or --revision. */
    revisionFrom: 'source' | 'option';
    /** What the source says (when --revision overrides it, or nothing when it cannot tell). */
    detected?: RevisionGuess;
    headers: { path: string; sha256: string }[];
    binary: string;
    cached: boolean;
    cc: string;
    libdwVersion: string;
    buildMs: number;
  };
  kernel: { file: string; arch: string; elfType: string; mode: 'vmlinux' | 'module' };
  run: GeneratorRun;
  /** The layout the generator emitted, as our format id (blocks:64:sleb, flat, module-v3:64:sleb ...). */
  format?: string;
  /** Our rule set, and how long our extraction took. */
  ours?: { rules: string; description: string; extractMs: number };
  outcome: 'exact' | 'different' | 'not-modelled';
  /** Why there is no comparison (outcome 'not-modelled'). */
  notModelled?: string;
  comparison?: TableComparison;
  /**
   * A newest-revision module (module-newest): each line-info section
   * (`.mod_lineinfo`, `.init.mod_lineinfo`) compared on its own: bytes,
   * anchor relocations and each covered section's table. `comparison` then
   * sums them (entries over every section; bytes over both sections, and
   * not identical when an anchor record differs).
   */
  moduleBlobs?: ModuleBlobComparison[];
  /** Module mode: the sections in the assembled object. */
  sections?: {
    name: string;
    size: number;
    relocations: number;
    sha256: string;
    blob?: ModuleBlobSection[];
  }[];
  notes: string[];
}

/** One covered section's table in a newest module's blob, both sides. */
export interface ModuleSectionRow {
  /** The covered section; on the generator's side, the target of its descriptor's anchor relocation. */
  name: string;
  /** The descriptor's `size` (the covered section's size); undefined on a side without the table. */
  size: { generator?: number; ours?: number };
  /** Where the table starts in the blob. */
  tableOffset: { generator?: number; ours?: number };
  /** The table's bytes: header, arrays, file offsets and every file name. */
  bytes: { generator?: number; ours?: number };
  /** Its entries and file names, as for a vmlinux table (offsets relative to the section). */
  comparison: EntryComparison;
}

/** One of a newest module's line-info sections (`.mod_lineinfo`, `.init.mod_lineinfo`), both sides. */
export interface ModuleBlobComparison {
  blob: string;
  present: { generator: boolean; ours: boolean };
  bytes: {
    /** The generator's section, the assembler's padding at its end not counted. */
    generator: number;
    ours: number;
    identical: boolean;
    generatorSha256: string;
    oursSha256: string;
    /** The first byte that differs, and the generator's part it falls in. */
    firstDifference?: { offset: number; part: string };
    /**
     * Zero bytes after the generator's last table: the assembler rounding
     * the section up to its alignment (at most 7), not written by the
     * generator, so not compared.
     */
    padding: number;
  };
  /** The anchor relocation records: the assembled object's, and the ones our encoder asks for. */
  anchors: {
    generator: RelocationRecord[];
    ours: RelocationRecord[];
    identical: boolean;
  };
  sections: ModuleSectionRow[];
  parts: PartRow[];
}

/** Block size and delta coding of a blocks generator, from its source and the headers it includes. */
function blockParams(gen: BuiltGenerator): { size: number; coding: 'sleb' | 'zigzag' } {
  let size = 64;
  for (const h of [gen.source, ...gen.headers.map((x) => resolve(gen.tree, x.path))]) {
    const m = /#define\s+LINEINFO_BLOCK_ENTRIES\s+\(?(\d+)/.exec(readFileSync(h, 'utf8'));
    if (m) {
      size = Number(m[1]);
      break;
    }
  }
  return { size, coding: gen.text.includes('.sleb128') ? 'sleb' : 'zigzag' };
}

/**
 * The one core function of `generator check`: builds the generator (cached),
 * runs it on the kernel or module, assembles and reads its tables, and
 * compares them with our model of its revision. A difference is data here
 * (outcome 'different'); only what stops the check throws (UserError).
 */
export function checkGenerator(
  generatorSpec: string,
  elfPath: string,
  options: GeneratorCheckOptions = {},
): GeneratorCheckResult {
  const src = locateGenerator(generatorSpec);
  const detected = detectRevision(src.text);
  const revision = options.revision ?? detected?.revision;
  if (!revision)
    throw new UserError(
      'cannot tell the revision from the source (it handles _etext but does not synthesize symbol starts: v5 to v7?); pass --revision v1-v4 or newest',
      src.source,
    );
  const rules = REVISIONS[revision].rules;
  const elf = ElfFile.open(elfPath);
  try {
    const module = elf.type === ET.REL;
    if (!module && !RULE_SETS[rules])
      throw new UserError(
        `our model has no rule set '${rules}' yet (known: ${Object.keys(RULE_SETS).join(', ')}): nothing to compare the generator with`,
        src.source,
      );
    const gen = buildGenerator(generatorSpec, options.env);
    const out = runGenerator(gen, elfPath, elf, options);
    const notes: string[] = [];
    const result: GeneratorCheckResult = {
      schemaVersion: 1,
      generator: {
        source: gen.source,
        tree: gen.tree,
        sha256: gen.sha256,
        revision,
        revisionFrom: options.revision ? 'option' : 'source',
        detected,
        headers: gen.headers,
        binary: gen.binary,
        cached: gen.cached,
        cc: gen.ccVersion,
        libdwVersion: gen.libdwVersion,
        buildMs: gen.buildMs,
      },
      kernel: {
        file: elfPath,
        arch: elf.arch.name,
        elfType: elf.typeName,
        mode: out.mode,
      },
      run: {
        argv: out.argv,
        env: out.env,
        runMs: out.runMs,
        stderr: out.stderr,
        asmBytes: out.asmBytes,
        assembler: out.assembler,
        assembleMs: out.assembleMs,
      },
      outcome: 'not-modelled',
      notes,
    };
    if (module) return checkModule(result, gen, out, elf);
    return checkVmlinux(result, gen, out, elf, options);
  } finally {
    elf.close();
  }
}

function checkVmlinux(
  result: GeneratorCheckResult,
  gen: BuiltGenerator,
  out: GeneratorOutput,
  elf: ElfFile,
  options: GeneratorCheckOptions,
): GeneratorCheckResult {
  const rodata = out.rodata!;
  const names = new Set(rodata.symbols.map((s) => s.name));
  let format: string;
  if (names.has('lineinfo_block_addrs')) {
    const { size, coding } = blockParams(gen);
    format = `blocks:${size}:${coding}`;
  } else if (names.has('lineinfo_addrs')) format = 'flat';
  else
    throw new UserError(
      `the generator's output is neither flat (lineinfo_addrs) nor blocks (lineinfo_block_addrs): ${[...names].join(', ')}`,
      gen.source,
    );
  const profile = REVISIONS[result.generator.revision];
  if (!profile.vmlinuxLayouts.includes(format))
    result.notes.push(
      `revision ${profile.id} emits ${profile.vmlinuxLayouts.join(' or ')}; this generator emitted ${format}: ours are encoded as ${format} too`,
    );
  const fmt = parseFormat(format);
  let genTable: EntryTable;
  try {
    genTable = fmt.open(rodata.bytes, elf.littleEndian).decodeAll();
  } catch (e) {
    if (e instanceof FormatError)
      throw new UserError(`cannot decode the generator's ${format} table: ${e.message}`, elf.name);
    throw e;
  }
  options.onStage?.(`extracting with our ${profile.rules} rules`);
  const t0 = Date.now();
  // the roots as the generator takes them: a relative one against the directory it runs in
  const cwd = options.cwd ?? process.cwd();
  const buildRoots = (options.buildRoots ?? []).map((r) => resolve(cwd, r));
  const ours = extractUpstream(elf, { rules: profile.rules, buildRoots });
  const extractMs = Date.now() - t0;
  if (buildRoots.length && RULE_SETS[profile.rules]?.paths !== 'newest')
    result.notes.push(
      `--build-root given, but neither revision ${profile.id}'s generator nor our ${profile.rules} rules read build roots`,
    );
  const encoded = fmt.encode(ours.table, elf.littleEndian);
  const parts = rodataParts(rodata.bytes, rodata.symbols, elf.littleEndian);
  const cmp = compareTables(genTable, rodata.bytes, parts, encoded, ours.table);
  result.format = format;
  result.ours = {
    rules: profile.rules,
    description: RULE_SETS[profile.rules]?.description ?? '',
    extractMs,
  };
  result.comparison = cmp;
  result.outcome = isExact(cmp) ? 'exact' : 'different';
  return result;
}

function checkModule(
  result: GeneratorCheckResult,
  gen: BuiltGenerator,
  out: GeneratorOutput,
  elf: ElfFile,
): GeneratorCheckResult {
  const profile = REVISIONS[result.generator.revision];
  // the newest revision's blobs: a root and per-section descriptors (read for the report)
  const blobs = !profile.moduleLayout && gen.text.includes('mod_lineinfo_section');
  result.sections = out.sections.map((s) => ({
    name: s.name,
    size: s.size,
    relocations: s.relocations,
    sha256: sha256(s.bytes),
    blob: blobs ? readModuleBlob(s.bytes, elf.littleEndian) : undefined,
  }));
  if (!profile.moduleLayout) {
    result.notModelled = `module tables of revision ${profile.id} are not modelled yet: the generator's sections are read back and listed, not compared`;
    return result;
  }
  const layout = parseFormat(profile.moduleLayout);
  if (isModuleFormat(layout)) return checkSectionedModule(result, out, elf, layout);
  const section = out.sections.find((s) => s.name === '.mod_lineinfo');
  if (!section)
    throw new UserError("the generator's module output has no .mod_lineinfo section", gen.source);
  const { size, coding } = blockParams(gen);
  const fmt = moduleV3Format(size, coding);
  if (fmt.id !== profile.moduleLayout)
    result.notes.push(
      `revision ${profile.id}'s modules are ${profile.moduleLayout}; this generator's are ${fmt.id}: ours are encoded as ${fmt.id} too`,
    );
  let genTable: EntryTable;
  try {
    genTable = fmt.open(section.bytes, elf.littleEndian).decodeAll();
  } catch (e) {
    if (e instanceof FormatError)
      throw new UserError(`cannot decode the generator's .mod_lineinfo: ${e.message}`, elf.name);
    throw e;
  }
  const t0 = Date.now();
  const ours = extractUpstream(elf, { rules: profile.rules, relocation: 'upstream' });
  const extractMs = Date.now() - t0;
  const encoded = fmt.encode(ours.table, elf.littleEndian);
  const parts = moduleV3Parts(section.bytes, elf.littleEndian);
  result.format = fmt.id;
  result.ours = {
    rules: profile.rules,
    description: RULE_SETS[profile.rules]?.description ?? '',
    extractMs,
  };
  result.comparison = compareTables(genTable, section.bytes, parts, encoded, ours.table);
  result.outcome = isExact(result.comparison) ? 'exact' : 'different';
  return result;
}

function isExact(c: TableComparison): boolean {
  return (
    c.onlyGenerator === 0 &&
    c.onlyOurs === 0 &&
    c.changed === 0 &&
    c.fileIdOnly === 0 &&
    c.fileNamesDiffer === 0 &&
    c.bytes.identical
  );
}

function isModuleFormat(f: object): f is ModuleFormat {
  return 'encodeModule' in f && 'openBlob' in f;
}

/** The empty table, for a side without a section's table. */
const NO_TABLE: EntryTable = {
  count: 0,
  offsets: new Uint32Array(0),
  fileIds: new Uint16Array(0),
  lines: new Uint32Array(0),
  files: [],
};

/**
 * A newest module: our per-section tables (the generator's reading, with
 * `.debug_info` unrelocated) encoded as the revision's module layout, and
 * each line-info section compared with the generator's assembled one.
 */
function checkSectionedModule(
  result: GeneratorCheckResult,
  out: GeneratorOutput,
  elf: ElfFile,
  fmt: ModuleFormat,
): GeneratorCheckResult {
  const profile = REVISIONS[result.generator.revision];
  const t0 = Date.now();
  const ex = extractUpstream(elf, { rules: profile.rules, relocation: 'upstream' });
  const extractMs = Date.now() - t0;
  const ms = ex.moduleSections;
  if (!ms)
    throw new UserError(
      `our ${profile.rules} rules give no per-section tables for a module: nothing to compare ${fmt.id} with`,
      elf.name,
    );
  const enc = fmt.encodeModule(ms.sections, ms.files, {
    littleEndian: elf.littleEndian,
    is64: elf.is64,
  });
  const ourTables = new Map(ms.sections.map((s) => [s.name, s]));
  const names = [
    ...enc.blobs.map((b) => b.section),
    ...out.sections.map((s) => s.name).filter((n) => !enc.blobs.some((b) => b.section === n)),
  ];
  const order = ['.mod_lineinfo', '.init.mod_lineinfo'];
  names.sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  const blobs = names.map((name) =>
    compareBlob(
      name,
      out.sections.find((s) => s.name === name),
      enc.blobs.find((b) => b.section === name),
      fmt,
      elf,
      (section) => ourTables.get(section),
    ),
  );
  result.format = fmt.id;
  result.ours = {
    rules: profile.rules,
    description: RULE_SETS[profile.rules]?.description ?? '',
    extractMs,
  };
  result.moduleBlobs = blobs;
  result.comparison = sumBlobs(blobs, ms.files.length);
  if (ms.uncoveredRows)
    result.notes.push(
      `${n(ms.uncoveredRows)} rows outside the covered sections (${ms.otherSections.map((o) => o.name).join(', ') || 'none'}) are in neither side's tables (the generator's skipped_uncovered)`,
    );
  result.outcome = blobs.every(blobExact) ? 'exact' : 'different';
  return result;
}

const n = (v: number) => v.toLocaleString('en-US');

function blobExact(b: ModuleBlobComparison): boolean {
  return (
    b.present.generator &&
    b.present.ours &&
    b.bytes.identical &&
    b.anchors.identical &&
    b.sections.every(
      (s) =>
        s.size.generator === s.size.ours &&
        s.tableOffset.generator === s.tableOffset.ours &&
        entriesExact(s.comparison),
    )
  );
}

function entriesExact(c: EntryComparison): boolean {
  return (
    c.entries.generator === c.entries.ours &&
    c.files.generator === c.files.ours &&
    c.onlyGenerator === 0 &&
    c.onlyOurs === 0 &&
    c.changed === 0 &&
    c.fileIdOnly === 0 &&
    c.fileNamesDiffer === 0
  );
}

function compareBlob(
  blob: string,
  assembled: AssembledSection | undefined,
  ours: EncodedBlob | undefined,
  fmt: ModuleFormat,
  elf: ElfFile,
  ourTable: (section: string) => { size: number; table: EntryTable } | undefined,
): ModuleBlobComparison {
  const le = elf.littleEndian;
  const sectionBytes = assembled?.bytes ?? new Uint8Array(0);
  const records = assembled?.records ?? [];
  // the generator's side: descriptors and tables, each named by its anchor's target
  let genTables: { name: string; size: number; tableOffset: number; table: EntryTable }[] = [];
  if (assembled) {
    try {
      genTables = fmt.openBlob(sectionBytes, le).map((t, k) => ({
        name: anchorTarget(records, k, elf) ?? `table[${k}]`,
        size: t.size,
        tableOffset: t.tableOffset,
        table: t.reader.decodeAll(),
      }));
    } catch (e) {
      if (e instanceof FormatError)
        throw new UserError(
          `cannot decode the generator's ${blob} as ${fmt.id}: ${e.message}`,
          elf.name,
        );
      throw e;
    }
  }
  const bucketOf = new Map((ours?.parts ?? []).map((p) => [p.symbol, p.bucket]));
  const genParts = assembled
    ? newestBlobParts(sectionBytes, le, elf.is64, genTables, bucketOf)
    : [];
  const tableEnd = genParts
    .filter((p) => p.symbol !== '(align)')
    .reduce((end, p) => Math.max(end, p.offset + p.size), 0);
  const tail = sectionBytes.subarray(tableEnd);
  const padding = tail.length < 8 && tail.every((b) => b === 0) ? tail.length : 0;
  const genBytes = sectionBytes.subarray(0, sectionBytes.length - padding);
  const ourBytes = ours?.bytes ?? new Uint8Array(0);
  let first: number | undefined;
  const common = Math.min(genBytes.length, ourBytes.length);
  for (let k = 0; k < common; k++)
    if (genBytes[k] !== ourBytes[k]) {
      first = k;
      break;
    }
  if (first === undefined && genBytes.length !== ourBytes.length) first = common;
  const partAt = (off: number) =>
    genParts.find((p) => off >= p.offset && off < p.offset + p.size)?.symbol ??
    (off >= tableEnd ? '(after the last table)' : '(past the end)');

  const machine = elf.machine;
  const ourRecords: RelocationRecord[] = (ours?.anchors ?? []).map((a) => {
    const type = (a.size === 8 ? NEWEST_ABS64 : NEWEST_ABS32)[machine] ?? -1;
    return {
      offset: a.offset,
      type,
      typeName: type < 0 ? 'unknown' : relocationTypeName(machine, type),
      target: a.section,
      addend: 0,
    };
  });
  const anchorsIdentical =
    records.length === ourRecords.length &&
    records.every(
      (r, k) =>
        r.offset === ourRecords[k].offset &&
        r.type === ourRecords[k].type &&
        r.target === ourRecords[k].target &&
        r.addend === ourRecords[k].addend,
    );

  // the covered sections' tables, ours in our order, then any only the generator has
  const ourNames = ours?.sections ?? [];
  const rowNames = [
    ...ourNames,
    ...genTables.map((t) => t.name).filter((x) => !ourNames.includes(x)),
  ];
  const ourPartBytes = (name: string) =>
    (ours?.parts ?? [])
      .filter((p) => p.symbol.startsWith(`${name}.`))
      .reduce((a, p) => a + p.size, 0);
  const genPartBytes = (name: string) =>
    genParts.filter((p) => p.symbol.startsWith(`${name}.`)).reduce((a, p) => a + p.size, 0);
  const ourOffsets = tableOffsets(ours);
  const sections: ModuleSectionRow[] = rowNames.map((name) => {
    const g = genTables.find((t) => t.name === name);
    const inOurs = ourNames.includes(name);
    const o = inOurs ? ourTable(name) : undefined;
    return {
      name,
      size: { generator: g?.size, ours: o?.size },
      tableOffset: { generator: g?.tableOffset, ours: inOurs ? ourOffsets.get(name) : undefined },
      bytes: {
        generator: g ? genPartBytes(name) : undefined,
        ours: inOurs ? ourPartBytes(name) : undefined,
      },
      comparison: compareEntries(g?.table ?? NO_TABLE, o?.table ?? NO_TABLE, name),
    };
  });
  const oursNormalised = (ours?.parts ?? []).map((p) =>
    p.bucket === 'padding' && p.symbol.endsWith('(align)') ? { ...p, symbol: '(align)' } : p,
  );
  return {
    blob,
    present: { generator: assembled !== undefined, ours: ours !== undefined },
    bytes: {
      generator: genBytes.length,
      ours: ourBytes.length,
      identical: first === undefined,
      generatorSha256: sha256(genBytes),
      oursSha256: sha256(ourBytes),
      firstDifference: first === undefined ? undefined : { offset: first, part: partAt(first) },
      padding,
    },
    anchors: { generator: records, ours: ourRecords, identical: anchorsIdentical },
    sections,
    parts: sideBySide(
      genParts.filter((p) => p.offset < genBytes.length),
      oursNormalised,
    ),
  };
}

/** Where our encoder put each section's table: its `<name>.header.num_entries` part. */
function tableOffsets(ours: EncodedBlob | undefined): Map<string, number> {
  const m = new Map<string, number>();
  for (const name of ours?.sections ?? []) {
    const p = ours!.parts.find((x) => x.symbol === `${name}.header.num_entries`);
    if (p) m.set(name, p.offset);
  }
  return m;
}

/**
 * The covered section descriptor `k` anchors: the target of the relocation
 * record inside its 8-byte anchor slot (a 4-byte one sits in the high half
 * on a 32-bit big-endian target).
 */
function anchorTarget(records: RelocationRecord[], k: number, elf: ElfFile): string | undefined {
  const slot = 8 + 16 * k;
  const at = elf.is64 || elf.littleEndian ? slot : slot + 4;
  return records.find((r) => r.offset === at)?.target;
}

/**
 * A newest module blob's parts from its own root, descriptors and table
 * headers, named as our encoder names them (`root.num_sections`,
 * `sections[k].anchor`, `<section>.addrs` ...); the gaps between are
 * alignment.
 */
function newestBlobParts(
  bytes: Uint8Array,
  le: boolean,
  is64: boolean,
  tables: { name: string; tableOffset: number }[],
  bucketOf: Map<string, Bucket>,
): TablePart[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const content: { symbol: string; offset: number; size: number }[] = [
    { symbol: 'root.num_sections', offset: 0, size: 4 },
  ];
  tables.forEach((t, k) => {
    const d = 8 + 16 * k;
    const anchor = is64 || le ? d : d + 4;
    content.push({ symbol: `sections[${k}].anchor`, offset: anchor, size: is64 ? 8 : 4 });
    if (!is64)
      content.push({ symbol: `sections[${k}].anchor_pad`, offset: le ? d + 4 : d, size: 4 });
    content.push(
      { symbol: `sections[${k}].size`, offset: d + 8, size: 4 },
      { symbol: `sections[${k}].table_offset`, offset: d + 12, size: 4 },
    );
    const at = t.tableOffset;
    const count = v.getUint32(at, le);
    const files = v.getUint32(at + 4, le);
    const namesSize = v.getUint32(at + 8, le);
    const addrs = at + 12;
    const fileIds = addrs + 4 * count;
    const lines = Math.ceil((fileIds + 2 * count) / 4) * 4;
    const fileOffsets = lines + 4 * count;
    const p = `${t.name}.`;
    content.push(
      { symbol: `${p}header.num_entries`, offset: at, size: 4 },
      { symbol: `${p}header.num_files`, offset: at + 4, size: 4 },
      { symbol: `${p}header.filenames_size`, offset: at + 8, size: 4 },
      { symbol: `${p}addrs`, offset: addrs, size: 4 * count },
      { symbol: `${p}file_ids`, offset: fileIds, size: 2 * count },
      {
        symbol: `${p}file_ids_pad`,
        offset: fileIds + 2 * count,
        size: lines - fileIds - 2 * count,
      },
      { symbol: `${p}lines`, offset: lines, size: 4 * count },
      { symbol: `${p}file_offsets`, offset: fileOffsets, size: 4 * files },
      { symbol: `${p}filenames`, offset: fileOffsets + 4 * files, size: namesSize },
    );
  });
  return withGaps(
    content.filter((c) => c.size > 0),
    bytes.length,
  ).map((p) => ({ ...p, bucket: bucketOf.get(p.symbol) ?? newestBucket(p.symbol, p.bucket) }));
}

/** A newest blob part's bucket when our encoder has no part of that name (as the encoder counts them). */
function newestBucket(symbol: string, guessed: Bucket): Bucket {
  if (/anchor_pad$|file_ids_pad$/.test(symbol)) return 'padding';
  if (/^sections\[/.test(symbol)) return 'index';
  if (/\.(addrs|file_ids|lines)$/.test(symbol)) return 'data';
  if (/\.file_offsets$/.test(symbol)) return 'file_offsets';
  return guessed;
}

/**
 * The blobs summed into one TableComparison (what the command's summary and
 * exit line read): entries, differences and file names over every covered
 * section; bytes over both line-info sections, not identical when their
 * bytes or their anchor records differ; parts per blob, named `<blob> <part>`.
 */
function sumBlobs(blobs: ModuleBlobComparison[], ourFiles: number): TableComparison {
  const rows = blobs.flatMap((b) => b.sections);
  const sum = (f: (c: EntryComparison) => number) => rows.reduce((a, r) => a + f(r.comparison), 0);
  const genFiles = rows.find((r) => r.size.generator !== undefined)?.comparison.files.generator;
  // file names: each table repeats all of them; a table on one side only is no file-name difference
  const worstFiles = rows
    .filter((r) => r.bytes.generator !== undefined && r.bytes.ours !== undefined)
    .sort((a, b) => b.comparison.fileNamesDiffer - a.comparison.fileNamesDiffer)[0]?.comparison;
  const bytesSame = blobs.every(
    (b) => b.present.generator === b.present.ours && b.bytes.identical && b.anchors.identical,
  );
  let firstDifference: TableComparison['bytes']['firstDifference'];
  for (const b of blobs) {
    if (firstDifference) break;
    if (b.present.generator !== b.present.ours)
      firstDifference = {
        offset: 0,
        part: `${b.blob} (${b.present.generator ? "the generator's only" : 'ours only'})`,
      };
    else if (b.bytes.firstDifference)
      firstDifference = {
        offset: b.bytes.firstDifference.offset,
        part: `${b.blob} ${b.bytes.firstDifference.part}`,
      };
    else if (!b.anchors.identical) firstDifference = { offset: 0, part: `${b.blob} anchors` };
  }
  const parts: PartRow[] = blobs.flatMap((b) =>
    b.parts.map((p) => ({ ...p, symbol: `${b.blob} ${p.symbol}` })),
  );
  const buckets = (side: 'generator' | 'ours') => {
    const out = Object.fromEntries(BUCKETS.map((k) => [k, 0])) as Record<Bucket, number>;
    for (const p of parts) out[p.bucket] += p[side] ?? 0;
    return out;
  };
  return {
    entries: {
      generator: sum((c) => c.entries.generator),
      ours: sum((c) => c.entries.ours),
    },
    files: { generator: genFiles ?? 0, ours: ourFiles },
    onlyGenerator: sum((c) => c.onlyGenerator),
    onlyOurs: sum((c) => c.onlyOurs),
    changed: sum((c) => c.changed),
    fileIdOnly: sum((c) => c.fileIdOnly),
    differences: rows.flatMap((r) => r.comparison.differences).slice(0, MAX_LISTED),
    fileDifferences: worstFiles?.fileDifferences ?? [],
    fileNamesDiffer: worstFiles?.fileNamesDiffer ?? 0,
    bytes: {
      generator: blobs.reduce((a, b) => a + b.bytes.generator, 0),
      ours: blobs.reduce((a, b) => a + b.bytes.ours, 0),
      identical: bytesSame,
      generatorSha256: sha256(blobs.map((b) => b.bytes.generatorSha256).join('\n')),
      oursSha256: sha256(blobs.map((b) => b.bytes.oursSha256).join('\n')),
      firstDifference,
      sectionTail: blobs.reduce((a, b) => a + b.bytes.padding, 0),
    },
    parts,
    buckets: { generator: buckets('generator'), ours: buckets('ours') },
  };
}
