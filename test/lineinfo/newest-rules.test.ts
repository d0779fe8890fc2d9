import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CandidateTable } from '../../src/lineinfo/candidates.js';
import { buildRoots, normalizeNewest, normalizePathText } from '../../src/lineinfo/newest-paths.js';
import { finishNewest, type SymbolStarts } from '../../src/lineinfo/symbol-starts.js';

describe('newest revision: paths normalised as text', () => {
  it('drops "//" and ".", pops on "..", keeps a leading ".." of a relative path', () => {
    expect(normalizePathText('/a//b/./c/../d')).toBe('/a/b/d');
    expect(normalizePathText('/..')).toBe('/');
    expect(normalizePathText('../x/y')).toBe('../x/y');
    expect(normalizePathText('a/..')).toBe('.');
    // the generator's pop does not look at what it pops, even a ".."
    expect(normalizePathText('../..')).toBe('.');
  });

  it('joins a relative name to an absolute comp_dir, strips the longest root, then comp_dir, then scans', () => {
    const roots = buildRoots(['/src/linux', '/src/linux/out']);
    expect(roots).toEqual(['/src/linux/out', '/src/linux']);
    // an O= build's source file: the source root, not the scan
    expect(normalizeNewest('../kernel/sched/idle.c', '/src/linux/out', roots)).toBe(
      'kernel/sched/idle.c',
    );
    // a generated file under the object root
    expect(normalizeNewest('/src/linux/out/include/generated/x.h', '/src/linux/out', roots)).toBe(
      'include/generated/x.h',
    );
    // no roots (a distribution kernel): comp_dir when a directory is left, else the scan
    const build = '/build/linux-6.1/debian/build/build_amd64';
    expect(normalizeNewest(`${build}/arch/x86/kernel/../../x86/xen/xen-head.S`, build, [])).toBe(
      'arch/x86/xen/xen-head.S',
    );
    expect(normalizeNewest(`${build}/init.c`, build, [])).toBe('init.c');
    expect(normalizeNewest('/usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h', build, [])).toBe(
      'usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h',
    );
    // a relative comp_dir anchors nothing: the name stays as it is
    expect(normalizeNewest('a/b.c', 'rel', [])).toBe('a/b.c');
    // libdw's doubled relative name on ET_REL input is undone first
    expect(normalizeNewest('fs/a.c/fs/a.c', '/m', [])).toBe('fs/a.c');
  });

  it('takes each root as given and resolved through symlinks, never "/"', () => {
    const dir = mkdtempSync(join(tmpdir(), 'roots-'));
    symlinkSync(dir, join(dir, 'link'));
    const roots = buildRoots([join(dir, 'link'), '/'], '/');
    expect(roots).toEqual([join(dir, 'link'), dir]);
    // a relative root is taken from where kbuild runs the generator (the object tree)
    expect(buildRoots(['.'], '/obj')).toEqual(['/obj']);
  });
});

describe('newest revision: symbol starts', () => {
  const starts = (list: [number, number][]): SymbolStarts => ({
    count: list.length,
    offsets: Uint32Array.from(list.map((s) => s[0])),
    sizes: Uint32Array.from(list.map((s) => s[1])),
  });
  const finish = (rows: [number, number, number][], s: SymbolStarts, ends: number[] = []) => {
    const c = new CandidateTable(16, true);
    for (const [o, f, l] of rows) c.add(o, f, l);
    const drops = { sameOffset: 0, sameFileLine: 0 };
    const r = finishNewest(c, ['a.c', 'b.c'], drops, s, Uint32Array.from(ends));
    const t = r.table;
    return {
      entries: [...t.offsets].map((o, i) => [o, t.fileIds[i], t.lines[i]]),
      counts: r.counts,
      drops,
    };
  };

  it('copies the last entry below a start (the largest file:line there) when a row lies inside it', () => {
    const r = finish(
      [
        [0, 0, 10],
        [0, 1, 5],
        [0, 0, 12],
        [24, 0, 13],
      ],
      starts([[16, 16]]),
    );
    expect(r.entries).toEqual([
      [0, 0, 10],
      [16, 1, 5],
      [24, 0, 13],
    ]);
    expect(r.counts.synthesized).toBe(1);
    // 4 rows in, 3 entries out, 1 of them copied: 2 rows dropped at offset 0
    expect(r.drops).toEqual({ sameOffset: 2, sameFileLine: 0 });
  });

  it('copies nothing past a sequence end, into a symbol of size 0, or where no row lies inside', () => {
    const rows: [number, number, number][] = [
      [0, 0, 10],
      [40, 0, 11],
    ];
    expect(finish(rows, starts([[16, 16]]), [8]).counts.synthesized).toBe(0);
    expect(finish(rows, starts([[16, 0]])).counts.synthesized).toBe(0);
    expect(finish(rows, starts([[16, 16]])).counts.synthesized).toBe(0);
    expect(finish(rows, starts([[16, 32]])).counts.synthesized).toBe(1);
  });

  it('never drops an entry at a symbol start for repeating the line before it', () => {
    const r = finish(
      [
        [0, 0, 10],
        [8, 0, 10],
        [16, 0, 10],
      ],
      starts([[16, 8]]),
    );
    expect(r.entries).toEqual([
      [0, 0, 10],
      [16, 0, 10],
    ]);
    expect(r.counts).toEqual({ synthesized: 0, keptAtStart: 1 });
    expect(r.drops.sameFileLine).toBe(1);
  });
});
