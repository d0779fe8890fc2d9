import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import { BufferSource } from '../../src/elf/source.js';
import { FormatError } from '../../src/errors.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import { seededRandom } from '../../src/measure/verify.js';
import { buildFixture } from '../helpers/fixtures.js';

function sectionRange(bytes: Uint8Array, name: string) {
  const elf = new ElfFile(new BufferSource('x', bytes));
  const s = elf.section(name)!;
  return { start: s.offset, size: s.size };
}

describe.each(['gcc-dwarf5', 'gcc-dwarf4', 's390x-dwarf5', 'i686-dwarf5'])(
  'corrupt DWARF in %s',
  (name) => {
    const original = new Uint8Array(readFileSync(buildFixture(name)));

    it.each(['.debug_line', '.debug_info', '.debug_abbrev'])(
      '2,000 random mutations of %s end in a result or one FormatError, never a crash',
      (section) => {
        const { start, size } = sectionRange(original, section);
        const random = seededRandom(0x5eed + size);
        let errors = 0;
        let results = 0;
        // a unit libdw cannot read is skipped with a warning, as the generator skips it
        let warned = 0;
        for (let k = 0; k < 2000; k++) {
          const bytes = original.slice();
          const flips = 1 + Math.floor(random() * 4);
          for (let f = 0; f < flips; f++) {
            bytes[start + Math.floor(random() * size)] = Math.floor(random() * 256);
          }
          try {
            const elf = new ElfFile(new BufferSource(`mutant-${k}`, bytes));
            const r = extractUpstream(elf, { base: 0n });
            results++;
            if (r.warnings.length > 0) warned++;
          } catch (e) {
            if (!(e instanceof FormatError))
              throw new Error(`mutation ${k}: ${(e as Error).stack}`);
            errors++;
          }
        }
        expect(results + errors).toBe(2000);
        // mutations of the header fields and lengths must be caught: an error, or a unit skipped with a warning
        expect(errors + warned).toBeGreaterThan(0);
      },
      // every unit of a mutant is now read (a broken one skipped, not the end): 20-120 s at load 15
      240_000,
    );

    it('a .debug_line table cut short skips its unit with a warning naming the table', () => {
      const { start, size } = sectionRange(original, '.debug_line');
      const bytes = original.slice();
      // make the first table claim more bytes than the section has
      const view = new DataView(bytes.buffer);
      const elf0 = new ElfFile(new BufferSource('x', bytes));
      view.setUint32(start, size + 100, elf0.littleEndian);
      const elf = new ElfFile(new BufferSource('cut', bytes));
      const r = extractUpstream(elf, { base: 0n });
      expect(r.stats.unitsSkipped).toBe(1);
      expect(r.warnings).toEqual([
        {
          part: expect.stringMatching(/^unit at \.debug_info\+0 \(/),
          cause: expect.stringMatching(
            /^\.debug_line table at 0: length \d+ runs past the section end \(\d+\)$/,
          ),
          skipped: 'its line table',
        },
      ]);
    });
  },
);
