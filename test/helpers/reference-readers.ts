import { execFileSync } from 'node:child_process';
import { libdwHelper } from './fixtures.js';

/** Parsers for the output of the reference readers the tests compare against. */

export interface RefRow {
  addr: bigint;
  line: number;
  column: number;
  file: number;
  isa: number;
  discriminator: number;
  flags: string[];
}

/** `llvm-dwarfdump --debug-line`: rows per line table, keyed by the table's offset. */
export function llvmDwarfdumpLines(path: string): Map<number, RefRow[]> {
  const text = execFileSync('llvm-dwarfdump', ['--debug-line', path], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const tables = new Map<number, RefRow[]>();
  let current: RefRow[] | undefined;
  for (const line of text.split('\n')) {
    const head = /^debug_line\[0x([0-9a-f]+)\]/.exec(line);
    if (head) {
      current = [];
      tables.set(Number.parseInt(head[1], 16), current);
      continue;
    }
    // Address Line Column File ISA Discriminator [OpIndex] Flags
    const m = /^0x([0-9a-f]+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)(?:\s+(\d+))?\s*(.*)$/.exec(
      line,
    );
    if (m && current) {
      current.push({
        addr: BigInt(`0x${m[1]}`),
        line: Number(m[2]),
        column: Number(m[3]),
        file: Number(m[4]),
        isa: Number(m[5]),
        discriminator: Number(m[6]),
        flags: m[8].trim() ? m[8].trim().split(/\s+/) : [],
      });
    }
  }
  return tables;
}

export interface LibdwRow {
  addr: bigint;
  line: number;
  endSequence: boolean;
  isStmt: boolean;
  src: string | undefined;
}
export interface LibdwUnit {
  offset: number;
  compDir: string | undefined;
  rows: LibdwRow[];
}

/** Rows per unit as elfutils' libdw returns them, through test/helpers/libdw-lines.c. */
export function libdwLines(path: string): LibdwUnit[] {
  const text = execFileSync(libdwHelper(), [path], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const units: LibdwUnit[] = [];
  let cur: LibdwUnit | undefined;
  for (const line of text.split('\n')) {
    if (!line) continue;
    const f = line.split('\t');
    if (f[0] === 'U') {
      cur = { offset: Number(f[1]), compDir: f[2] === '-' ? undefined : f[2], rows: [] };
      units.push(cur);
    } else if (cur) {
      cur.rows.push({
        addr: BigInt(`0x${f[0]}`),
        line: Number(f[1]),
        endSequence: f[2] === '1',
        isStmt: f[3] === '1',
        src: f[4] === '-' ? undefined : f[4],
      });
    }
  }
  return units;
}
