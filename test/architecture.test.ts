import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The folders of src/ in pipeline order: a file may import from its own
 * folder or one before it, never after (docs/architecture.md). errors and
 * util sit at the bottom; commands only wires; cli.ts wires the commands.
 */
const LAYERS = [
  'errors',
  'util',
  'kernels',
  'elf',
  'dwarf',
  'lineinfo',
  'encodings',
  'measure',
  'results',
  'report',
  'commands',
  'cli',
] as const;

/** Imports against the direction that stay, each with its reason ("from -> to"). */
const EXCEPTIONS: Record<string, string> = {
  'src/kernels/metadata.ts -> src/elf/elf-file.ts':
    'a kernel is described by its ELF header (arch, bits, byte order, DWARF version, banner), so getting one reads it',
};

const SRC = join(import.meta.dirname, '..', 'src');
const ROOT = dirname(SRC);

interface Import {
  from: string;
  to: string;
  line: number;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative import of a file: static (type-only included), re-exports and dynamic ones. */
export function importsOf(file: string, text: string): Import[] {
  const out: Import[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?(?:[^;'"]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]/g,
    /\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) {
    for (const m of text.matchAll(re)) {
      const line = text.slice(0, m.index).split('\n').length;
      const to = join(dirname(file), m[1]).replace(/\.js$/, '.ts');
      out.push({ from: file, to, line });
    }
  }
  return out;
}

function layerOf(file: string): number {
  const parts = relative(SRC, file).split('/');
  const top = parts.length === 1 ? parts[0].replace(/\.ts$/, '') : parts[0];
  return LAYERS.indexOf(top as (typeof LAYERS)[number]);
}

const rel = (f: string) => relative(ROOT, f);
const files = sourceFiles(SRC);
const imports = files.flatMap((f) => importsOf(f, readFileSync(f, 'utf8')));

/**
 * Strongly connected components of more than one file (or a file importing
 * itself): the cycles, each as its imports "file:line -> file".
 */
function cycles(edges: Import[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (next.get(v) ?? []).includes(v)) {
        const members = new Set(scc);
        found.push(
          edges
            .filter((e) => members.has(e.from) && members.has(e.to))
            .map((e) => `${rel(e.from)}:${e.line} -> ${rel(e.to)}`)
            .sort(),
        );
      }
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return found;
}

describe('the import graph of src/', () => {
  it('reads imports of every kind, with their lines', () => {
    const text =
      "import { a } from './a.js';\nimport type {\n  B,\n} from '../b/b.js';\nexport { c } from './c.js';\nconst d = await import('./d.js');\nimport 'node:fs';\n";
    const found = importsOf('/x/src/y/file.ts', text).map((i) => `${rel(i.to)}:${i.line}`);
    expect(found.map((f) => f.replace(/^.*\/src\//, 'src/'))).toEqual([
      'src/y/a.ts:1',
      'src/b/b.ts:2',
      'src/y/c.ts:5',
      'src/y/d.ts:6',
    ]);
  });

  it('puts every file of src/ in a layer', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.filter((f) => layerOf(f) < 0).map(rel)).toEqual([]);
  });

  it('points down the pipeline only: no import of a later folder', () => {
    const against = imports
      .filter((i) => layerOf(i.to) > layerOf(i.from))
      .map((i) => `${rel(i.from)}:${i.line} -> ${rel(i.to)}`)
      .filter((s) => !EXCEPTIONS[s.replace(/:\d+ ->/, ' ->')]);
    expect(against).toEqual([]);
  });

  it('keeps its listed exceptions real (an exception no longer needed is removed)', () => {
    const seen = new Set(imports.map((i) => `${rel(i.from)} -> ${rel(i.to)}`));
    expect(Object.keys(EXCEPTIONS).filter((e) => !seen.has(e))).toEqual([]);
  });

  it('has no cycle, within a folder or across', () => {
    expect(cycles(imports)).toEqual([]);
  });

  it('imports nothing from commands/ outside commands/ and cli.ts', () => {
    const commands = join(SRC, 'commands');
    const bad = imports
      .filter((i) => i.to.startsWith(commands) && !i.from.startsWith(commands))
      .filter((i) => i.from !== join(SRC, 'cli.ts'))
      .map((i) => `${rel(i.from)}:${i.line}`);
    expect(bad).toEqual([]);
  });
});
