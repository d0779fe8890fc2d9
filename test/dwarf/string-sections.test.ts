import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ElfMutant, generatorCheck, runCli } from '../helpers/elf-mutants.js';
import { hasTool, scratchDir } from '../helpers/fixtures.js';
import { GOLDEN_DIR } from '../helpers/golden.js';
import { buildKern } from '../helpers/kern-fixture.js';

/**
 * A DWARF string section whose last string has lost its NUL (the section
 * cut short, fuzz i686-gcc:719): libdw reads it up to the section's end.
 * Cut 2 bytes short, the v4 generator names the file \`kern.\` as we do and
 * the newest \`kern.c\`: not explained yet, so not tested.
 */

const UPSTREAM = join(dirname(GOLDEN_DIR), 'upstream');
const dir = scratchDir('string-sections');
const env = { LINEINFO_BENCH_CACHE: join(dir, 'cache') };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(hasTool('gcc') && hasTool('pkg-config'))(
  'a string section cut inside its last string',
  { timeout: 300_000 },
  () => {
    it.each([1])(
      '.debug_line_str %i byte(s) short: the last file name ends at the section end, as the generators read it',
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
        const r = await runCli([
          'dump',
          '--revision',
          'v1-v4',
          '--out',
          join(dir, `entries-${cut}`),
          file,
        ]);
        expect(r.code, r.err).toBe(0);
        const names = readFileSync(join(dir, `entries-${cut}.files.txt`), 'utf8').split('\n');
        // the line table's file name stops at the section's end
        expect(names).toContain(last.slice(0, last.length + 1 - cut));
        for (const tree of ['v4', 'post-v7-patch2'])
          expect((await generatorCheck(join(UPSTREAM, tree), file, env)).outcome, tree).toBe(
            'exact',
          );
      },
    );
  },
);
