import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import { flatFormat } from '../../src/encodings/flat.js';
import type { LookupHit } from '../../src/encodings/types.js';
import { extractUpstream } from '../../src/lineinfo/extract.js';
import { parseGnuLine } from '../../src/measure/agreement.js';
import { buildFixture, hasTool } from '../helpers/fixtures.js';
import { llvmDwarfdumpLines } from '../helpers/reference-readers.js';

/**
 * clang marks code it made up (merged tails, spills) with line-0 rows. The
 * upstream rules drop them, so such an address takes the line before it; the
 * tools say "no line" there, and so must the symbolizer rules.
 */
describe.runIf(hasTool('clang') && hasTool('llvm-symbolizer'))('line-0 rows (clang)', () => {
  it('upstream drops them; the symbolizer rules answer "no line" where llvm-symbolizer does', () => {
    const path = buildFixture('clang-dwarf5');
    const zeroRows = [...llvmDwarfdumpLines(path).values()]
      .flat()
      .filter((r) => r.line === 0 && !r.flags.includes('end_sequence'))
      .map((r) => r.addr);
    expect(zeroRows.length).toBeGreaterThan(0);
    const answers = execFileSync(
      'llvm-symbolizer',
      [
        '--obj',
        path,
        '--output-style=GNU',
        '--no-inlines',
        ...zeroRows.map((a) => `0x${a.toString(16)}`),
      ],
      { encoding: 'utf8' },
    )
      .split('\n')
      .filter((l) => l.includes(':'))
      .map(parseGnuLine);
    expect(answers).toHaveLength(zeroRows.length);
    // the tool names the file and no line at every such address of this fixture
    for (const a of answers) expect(a.line, JSON.stringify(a)).toBe(0);
    expect(answers.every((a) => a.file !== undefined)).toBe(true);

    const elf = ElfFile.open(path);
    try {
      const look = (rules: string) => {
        const ex = extractUpstream(elf, { rules, base: 0n });
        const reader = flatFormat.open(flatFormat.encode(ex.table, true).bytes, true);
        const hit: LookupHit = { index: 0, offset: 0, fileId: 0, line: 0 };
        return {
          drops: ex.drops.lineZero,
          lines: zeroRows.map((a) => (reader.lookup(Number(a), hit) ? hit.line : -1)),
        };
      };
      const up = look('v1-v4');
      expect(up.drops).toBe(zeroRows.length);
      expect(up.lines.every((l) => l > 0)).toBe(true);
      const sym = look('symbolizer');
      // every line-0 row became a gap entry (not counted as dropped) and the lookup says "no line"
      expect(sym.drops).toBe(0);
      expect(sym.lines).toEqual(zeroRows.map(() => 0));
    } finally {
      elf.close();
    }
  });

  it('parses "path:?" and "path:0" as no line, keeping the path', () => {
    expect(parseGnuLine('/b/fs/d_path.c:?')).toEqual({ file: '/b/fs/d_path.c', line: 0 });
    expect(parseGnuLine('/b/fs/d_path.c:0')).toEqual({ file: '/b/fs/d_path.c', line: 0 });
    expect(parseGnuLine('??:0')).toEqual({ line: 0 });
  });
});
