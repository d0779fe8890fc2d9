import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
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
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ElfFile, SHT } from '../../src/elf/elf-file.js';
import { type RelocationMode, relocateSection } from '../../src/elf/relocate.js';
import { relocationRecordsFor, relocationTarget } from '../../src/elf/relocation-records.js';
import { hasTool } from './fixtures.js';
import { GOLDEN_DIR } from './golden.js';

/**
 * The newest upstream generator (shared/upstream/post-v7-patch2, C on
 * elfutils' libdw), built at test time and cached by a hash of its sources,
 * run on a module as kbuild runs it (`gen_lineinfo --module X.ko`), its
 * output assembled with the target's assembler and its sections read back
 * with their relocation records. A reference input, never copied.
 */

export const NEWEST_TREE = join(GOLDEN_DIR, '..', 'upstream', 'post-v7-patch2');
const SOURCE = join(NEWEST_TREE, 'scripts', 'gen_lineinfo.c');
const HEADER = join(NEWEST_TREE, 'include', 'linux', 'mod_lineinfo.h');

export function hasNewestGenerator(): boolean {
  if (!existsSync(SOURCE) || !hasTool('cc') || !hasTool('pkg-config')) return false;
  try {
    execFileSync('pkg-config', ['--exists', 'libdw'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const cacheDir = join(tmpdir(), 'lineinfo-bench-fixtures');

/** Builds (or reuses) the generator; returns the binary's path. */
export function newestGenerator(): string {
  const h = createHash('sha256');
  for (const f of [SOURCE, HEADER]) h.update(readFileSync(f));
  const out = join(cacheDir, `gen-lineinfo-newest-${h.digest('hex').slice(0, 12)}`);
  if (existsSync(out)) return out;
  mkdirSync(cacheDir, { recursive: true });
  const flags = execFileSync('pkg-config', ['--cflags', '--libs', 'libdw'], { encoding: 'utf8' })
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  const tmp = `${out}.tmp-${process.pid}`;
  execFileSync(
    'cc',
    ['-O2', '-I', join(NEWEST_TREE, 'scripts', 'include'), '-o', tmp, SOURCE, ...flags, '-lelf'],
    { stdio: 'pipe' },
  );
  renameSync(tmp, out);
  return out;
}

/** The assembler for a module's machine and byte order. */
export function assemblerFor(elf: ElfFile): string {
  const byMachine: Record<number, string> = {
    62: 'as',
    3: 'i686-linux-gnu-as',
    183: 'aarch64-linux-gnu-as',
    40: 'arm-linux-gnueabihf-as',
    243: 'riscv64-linux-gnu-as',
    21: elf.littleEndian ? 'powerpc64le-linux-gnu-as' : 'powerpc64-linux-gnu-as',
    20: 'powerpc-linux-gnu-as',
    22: 's390x-linux-gnu-as',
  };
  const as = byMachine[elf.machine];
  if (!as) throw new Error(`no assembler known for e_machine ${elf.machine}`);
  return as;
}

export interface GeneratorRelocation {
  offset: number;
  type: number;
  /** The symbol's name, or its section's for a section symbol. */
  section: string;
  addend: number;
}

export interface GeneratorSection {
  bytes: Uint8Array;
  relocations: GeneratorRelocation[];
}

/** Runs the generator on a module: its assembled `*mod_lineinfo` sections by name. */
export function runNewestModule(ko: string): Record<string, GeneratorSection> {
  const elf = ElfFile.open(ko);
  const as = assemblerFor(elf);
  elf.close();
  const work = mkdtempSync(join(tmpdir(), 'lineinfo-gen-'));
  try {
    // the generator maps its input privately and never writes it; a copy all the same
    const input = join(work, basename(ko));
    copyFileSync(ko, input);
    const env = { ...process.env };
    for (const v of ['objtree', 'srctree', 'srcroot', 'KBUILD_VERBOSE']) delete env[v];
    const asm = execFileSync(newestGenerator(), ['--module', input], {
      env,
      maxBuffer: 1 << 28,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    writeFileSync(join(work, 'x.S'), asm);
    execFileSync(as, ['-o', join(work, 'x.o'), join(work, 'x.S')], { stdio: 'pipe' });
    return readSections(join(work, 'x.o'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function readSections(obj: string): Record<string, GeneratorSection> {
  const o = ElfFile.open(obj);
  try {
    const syms = o.symbols()!;
    const out: Record<string, GeneratorSection> = {};
    for (const s of o.sections) {
      if (!s.name.endsWith('mod_lineinfo') || s.type !== SHT.PROGBITS) continue;
      const relocations: GeneratorRelocation[] = relocationRecordsFor(o, s).map((r) => ({
        offset: r.offset,
        type: r.type,
        section: relocationTarget(o, syms, r.symbol) || '',
        addend: Number(r.addend),
      }));
      out[s.name] = { bytes: o.contents(s).bytes.slice(), relocations };
    }
    return out;
  } finally {
    o.close();
  }
}

/**
 * A copy of a module whose `sections` are relocated beforehand as `mode`
 * says, written into the file: the generator run on it sees what it never
 * relocates itself (`.debug_info`), so its output is the fully relocated
 * figure. Uncompressed debug sections only.
 */
export function relocatedCopy(
  ko: string,
  dir: string,
  sections: string[],
  mode: RelocationMode = 'full-newest',
): string {
  const out = join(dir, `relocated-${sections.join('+').replace(/\./g, '')}-${basename(ko)}`);
  copyFileSync(ko, out);
  const elf = ElfFile.open(ko);
  try {
    const fd = openSync(out, 'r+');
    try {
      for (const name of sections) {
        const s = elf.section(name);
        if (!s) continue;
        if (s.flags & 0x800) throw new Error(`${name} is compressed: cannot write it back`);
        const bytes = elf.contents(s).bytes.slice();
        relocateSection(elf, s, bytes, mode);
        writeSync(fd, bytes, 0, bytes.length, s.offset);
      }
    } finally {
      closeSync(fd);
    }
  } finally {
    elf.close();
  }
  return out;
}
