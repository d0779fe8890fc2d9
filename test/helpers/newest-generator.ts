import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, openSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ElfFile } from '../../src/elf/elf-file.js';
import { type RelocationMode, relocateSection } from '../../src/elf/relocate.js';
import { buildGenerator, runGenerator } from '../../src/measure/generator.js';
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

export function hasNewestGenerator(): boolean {
  if (!existsSync(SOURCE) || !hasTool('cc') || !hasTool('pkg-config')) return false;
  try {
    execFileSync('pkg-config', ['--exists', 'libdw'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
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

/**
 * Runs the generator on a module through the tool's own runner (built and
 * cached by generator check's buildGenerator, run as kbuild runs it, its
 * output assembled): its `*mod_lineinfo` sections by name.
 */
export function runNewestModule(ko: string): Record<string, GeneratorSection> {
  const elf = ElfFile.open(ko);
  try {
    const out = runGenerator(buildGenerator(NEWEST_TREE), ko, elf);
    return Object.fromEntries(
      out.sections.map((s) => [
        s.name,
        {
          bytes: s.bytes,
          relocations: s.records.map((r) => ({
            offset: r.offset,
            type: r.type,
            section: r.target,
            addend: r.addend,
          })),
        },
      ]),
    );
  } finally {
    elf.close();
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
