import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { fakeProcess } from '../helpers/fake-process.js';
import { buildFixture, scratchDir } from '../helpers/fixtures.js';

const dir = scratchDir('cli');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('inspect', () => {
  const elf = buildFixture('gcc-dwarf5');

  it('prints the figures as text', async () => {
    const p = fakeProcess(['inspect', '--base', '0', elf]);
    expect(await run(p.proc)).toBe(0);
    const text = p.stdout();
    expect(text).toContain('x86_64 (ELF64, little-endian, ET_DYN)');
    expect(text).toMatch(/line tables v5 x[2-9]/);
    expect(text).toMatch(/entries\s+\d+/);
    expect(p.stderr()).toBe('');
  });

  it('prints the same figures as JSON with raw integers', async () => {
    const t = fakeProcess(['inspect', '--base', '0', elf]);
    const j = fakeProcess(['inspect', '--base', '0', '--json', elf]);
    expect(await run(t.proc)).toBe(0);
    expect(await run(j.proc)).toBe(0);
    const r = JSON.parse(j.stdout());
    expect(r.schemaVersion).toBe(1);
    expect(r.arch).toBe('x86_64');
    expect(r.endianness).toBe('little');
    expect(r.dwarf.lineVersions).toEqual({ 5: r.dwarf.unitsWithLines });
    expect(t.stdout()).toContain(`entries       ${r.entries}`);
    const dropped = Object.values(r.drops as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(dropped).toBe(r.rowsDropped);
    expect(r.entries + r.rowsDropped).toBe(r.rowsRead);
    expect(r.revision).toBe('newest');
  });

  it('accounts for every entry with a rule set that adds some (symbolizer: unit gaps)', async () => {
    const j = fakeProcess(['inspect', '--base', '0', '--rules', 'symbolizer', '--json', elf]);
    expect(await run(j.proc)).toBe(0);
    const r = JSON.parse(j.stdout());
    expect(r.rules).toBe('symbolizer');
    expect(r.unitRangeGaps).toBeGreaterThan(0);
    // rows read = entries + rows dropped - entries with no row behind them
    expect(r.entries + r.rowsDropped - r.unitRangeGaps).toBe(r.rowsRead);
    const t = fakeProcess(['inspect', '--base', '0', '--rules', 'symbolizer', elf]);
    expect(await run(t.proc)).toBe(0);
    expect(t.stdout()).toContain(`unit gaps     ${r.unitRangeGaps} "no line" entries`);
  });
});

describe('dump', () => {
  it('writes u32 little-endian triples and the names one per line', async () => {
    const elf = buildFixture('s390x-dwarf5'); // big-endian input, little-endian dump
    const out = join(dir, 'entries.bin');
    const j = fakeProcess(['inspect', '--base', 'main', '--json', elf]);
    await run(j.proc);
    const r = JSON.parse(j.stdout());
    const p = fakeProcess(['dump', '--base', 'main', '--out', out, elf]);
    expect(await run(p.proc)).toBe(0);
    const bytes = readFileSync(out);
    expect(bytes.length).toBe(12 * r.entries);
    const names = readFileSync(`${out}.files.txt`, 'utf8').split('\n').slice(0, -1);
    expect(names.length).toBe(r.files);
    expect(names).toContain('main.c');
    // offsets ascend strictly; file ids index the names; lines are not 0
    let last = -1;
    for (let i = 0; i < r.entries; i++) {
      const off = bytes.readUInt32LE(i * 12);
      expect(off).toBeGreaterThan(last);
      last = off;
      expect(bytes.readUInt32LE(i * 12 + 4)).toBeLessThan(names.length);
      expect(bytes.readUInt32LE(i * 12 + 8)).toBeGreaterThan(0);
    }
  });
});

describe('bad input: one line naming the file and the cause, exit 2', () => {
  const cases: [string, () => string, RegExp][] = [
    [
      'not an ELF',
      () => write('text.txt', 'This is a plain text file, not an ELF.\n'),
      /: not an ELF file \(no \\x7fELF magic\)$/,
    ],
    ['too short', () => write('short', '\x7fEL'), /: not an ELF file \(3 bytes, too short\)$/],
    ['missing', () => join(dir, 'nope'), /nope: no such file$/],
    ['a directory', () => dir, /: is a directory, expected an ELF file$/],
    [
      'truncated ELF',
      () => write('trunc', readFileSync(buildFixture('gcc-dwarf5')).subarray(0, 3000)),
      /trunc: truncated: section headers start at \d+, past the end of the file \(3000 bytes\)$/,
    ],
    [
      'no DWARF',
      () => {
        const copy = join(dir, 'stripped');
        writeFileSync(copy, readFileSync(buildFixture('gcc-dwarf5')));
        execFileSync('strip', ['--strip-debug', copy]);
        return copy;
      },
      /stripped: no DWARF line information \(.debug_info or .debug_line missing\); build with debug info$/,
    ],
  ];
  it.each(cases)('%s', async (_label, make, message) => {
    const path = make();
    const p = fakeProcess(['inspect', '--base', '0', path]);
    expect(await run(p.proc)).toBe(2);
    const lines = p.stderr().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith(`error: ${path}`)).toBe(true);
    expect(lines[0]).toMatch(message);
    expect(p.stdout()).toBe('');
  });

  it('an unknown option is a usage error, exit 2', async () => {
    const p = fakeProcess(['inspect', '--frobnicate', 'x']);
    expect(await run(p.proc)).toBe(2);
    expect(p.stderr()).toContain("unknown option '--frobnicate'");
  });

  it('--help teaches with examples, exit 0', async () => {
    const p = fakeProcess(['inspect', '--help']);
    expect(await run(p.proc)).toBe(0);
    expect(p.stdout()).toContain('lineinfo-bench inspect vmlinux');
    expect(p.stdout()).toContain('--rules <rules>');
  });
});

function write(name: string, data: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

describe('progress', () => {
  it('draws a bar on a terminal; into a log, a line every 30 s once 10 s have passed', async () => {
    const { bar, Progress } = await import('../../src/util/process.js');
    expect(bar(7, 20)).toBe('[#######.............]  35% 7/20');
    expect(bar(0, 0, 4)).toBe('[....]   0% 0/0');
    const shown: string[] = [];
    const tty = new Progress({ write: (s: string) => shown.push(s), isTTY: true, columns: 80 });
    tty.update('reading');
    tty.done();
    expect(shown).toEqual(['\r\x1b[Kreading', '\r\x1b[K']);
    const logged: string[] = [];
    let now = Date.parse('2026-11-25T10:00:00Z');
    const pipe = new Progress(
      { write: (s: string) => logged.push(s), isTTY: false },
      undefined,
      () => now,
    );
    pipe.update('reading'); // a short command stays quiet
    now += 9_999;
    pipe.update('still reading');
    expect(logged).toEqual([]);
    now += 1;
    pipe.update('building 1/3');
    now += 29_999;
    pipe.update('building 2/3');
    now += 1;
    pipe.update('building 3/3');
    pipe.done();
    expect(logged).toEqual(['10:00:10 building 1/3\n', '10:00:40 building 3/3\n']);
  });
});
