import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ElfMutant, generatorCheck, runCli } from '../helpers/elf-mutants.js';
import { hasTool, scratchDir } from '../helpers/fixtures.js';
import { GOLDEN_DIR } from '../helpers/golden.js';
import { buildKern } from '../helpers/kern-fixture.js';

/**
 * A DWARF string section whose last string has lost its NUL (the section
 * cut short, fuzz i686-gcc:719; the NUL flipped, x86_64-gcc:1046). libdw
 * checks only the offset: the v4 generator reads the file into a buffer per
 * section (ELF_C_READ), so the string ends with the section; the newest maps
 * the file (ELF_C_READ_MMAP), so it goes on into the next section's bytes.
 */

const UPSTREAM = join(dirname(GOLDEN_DIR), 'upstream');
const dir = scratchDir('string-sections');
const env = { LINEINFO_BENCH_CACHE: join(dir, 'cache') };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(hasTool('gcc') && hasTool('pkg-config'))(
  'a string section cut inside its last string',
  { timeout: 300_000 },
  () => {
    it.each([1, 2])(
      '.debug_line_str %i byte(s) short: the last file name ends at the section end for v4, in the file for the newest',
      async (cut) => {
        const m = new ElfMutant(buildKern('gcc'));
        const s = m.elf.section('.debug_line_str')!;
        const bytes = m.elf.contents(s).bytes;
        // the fixture's last string is the unit's own file, kern.c
        const lastStart = bytes.lastIndexOf(0, bytes.length - 2) + 1;
        const last = new TextDecoder().decode(bytes.subarray(lastStart, bytes.length - 1));
        expect(last).toBe('kern.c');
        m.word(m.sectionHeader(s.index) + (m.elf.is64 ? 32 : 20), s.size - cut);
        const file = m.write(dir, `line-str-${cut}`);
        expect(await fileNames(file, 'v1-v4', `v4-${cut}`)).toContain(
          last.slice(0, last.length + 1 - cut),
        );
        // the cut bytes are still in the file, right after the section
        expect(await fileNames(file, 'newest', `newest-${cut}`)).toContain(last);
        await exact(file);
      },
    );

    it(".debug_line_str with its last NUL flipped: the newest names the file with the next section's bytes", async () => {
      const m = new ElfMutant(buildKern('gcc'));
      const s = m.elf.section('.debug_line_str')!;
      m.bytes[s.offset + s.size - 1] = 4;
      const file = m.write(dir, 'line-str-flipped');
      expect(await fileNames(file, 'v1-v4', 'v4-flip')).toContain('kern.c\x04');
      // .comment follows: "GCC: (Debian ...)"
      const newest = await fileNames(file, 'newest', 'newest-flip');
      expect(newest.some((n) => n.startsWith('kern.c\x04GCC: '))).toBe(true);
      await exact(file);
    });
  },
);

async function fileNames(file: string, revision: string, name: string): Promise<string[]> {
  const out = join(dir, `entries-${name}`);
  const r = await runCli(['dump', '--revision', revision, '--out', out, file]);
  expect(r.code, r.err).toBe(0);
  return readFileSync(`${out}.files.txt`, 'utf8').split('\n');
}

async function exact(file: string): Promise<void> {
  for (const tree of ['v4', 'post-v7-patch2'])
    expect((await generatorCheck(join(UPSTREAM, tree), file, env)).outcome, tree).toBe('exact');
}
