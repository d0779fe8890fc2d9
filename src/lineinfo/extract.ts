import { type CompileUnit, readUnits } from '../dwarf/info.js';
import { allocRows, type LineRows, libdwFilePath, ROW, readLineTable } from '../dwarf/line.js';
import { DwarfSections } from '../dwarf/sections.js';
import { type ElfFile, ET } from '../elf/elf-file.js';
import type { RelocationMode, RelocationReport } from '../elf/relocate.js';
import { FormatError, UserError } from '../errors.js';
import { CandidateTable } from './candidates.js';
import type { EntryTable } from './entries.js';
import { LastRowTable } from './last-row.js';
import { libdwRowOrder } from './libdw-order.js';
import { cleanPath, normalizeUpstream } from './paths.js';
import { RULE_SETS, ruleSet } from './rules.js';

/** A rule set id (see RULE_SETS): 'v1-v4' and 'v5' are the upstream generator's. */
export type UpstreamRules = string;

export interface ExtractOptions {
  rules?: UpstreamRules;
  /**
   * The base address, or the name of the symbol that gives it. Default: `_text`
   * for a vmlinux, `.text`'s address for a module (ET_REL).
   */
  base?: string | bigint;
  /**
   * Relocation of a relocatable object's (`.ko`) debug sections before
   * reading: 'none' (default), 'upstream' (the generator's: `.debug_line`'s
   * 32-bit absolute type only) or 'full' (see src/elf/relocate.ts). Ignored
   * for a vmlinux.
   */
  relocation?: RelocationMode;
  /** Called after each unit with (units done, units in all). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Sees every row with a line and an offset that fits 32 bits, before the
   * rule set filters it (for measurements that need the rows behind an
   * entry). `name` gives the row's normalised file name on demand.
   */
  onRow?: (offset: number, line: number, flags: number, name: () => string | undefined) => void;
}

/** Why rows did not become entries, one counter per reason (they add up to rows read minus entries). */
export interface DropCounters {
  lineZero: number;
  noFileName: number;
  belowBase: number;
  /** v5 rules: at or above `_etext`; modules: outside `.text`. */
  aboveEnd: number;
  offsetOver4G: number;
  /** Rule sets of ours: not a statement row. */
  notStatement: number;
  /** Rule sets of ours: an end-of-sequence row dropped (or merged into a gap). */
  endSequence: number;
  /** Another row at the same offset won (upstream: the smallest file_id, then line). */
  sameOffset: number;
  /** Same file and line as the entry before it. */
  sameFileLine: number;
}

export interface ExtractStats {
  units: number;
  unitsWithLines: number;
  rowsRead: number;
  sequences: number;
  /** Line-table versions: version -> number of tables. */
  lineVersions: Record<number, number>;
  /** Unit versions: version -> number of units. */
  unitVersions: Record<number, number>;
  /**
   * Upstream relocation of a module only: units libdw cannot read in an
   * unrelocated `.debug_info` (first DIE or line table unreadable), skipped
   * as the generator skips them (our reading).
   */
  unitsUnreadable?: number;
}

export interface ExtractResult {
  table: EntryTable;
  rules: UpstreamRules;
  base: bigint;
  /** Upper bound applied (exclusive), if any. */
  end?: bigint;
  drops: DropCounters;
  stats: ExtractStats;
  /** What relocation did, per section (empty unless a relocatable object was relocated). */
  relocations: RelocationReport[];
}

export const MAX_FILES = 65535;

/**
 * The base address entries are relative to (and a module's `.text` end): what
 * extraction uses, exported so measurements can sample addresses before they
 * extract.
 */
export function resolveBase(
  elf: ElfFile,
  base: string | bigint | undefined,
): { base: bigint; end?: bigint; module: boolean } {
  if (typeof base === 'bigint') return { base, module: false };
  if (elf.type === ET.REL && base === undefined) {
    const text = elf.section('.text');
    if (!text) throw new FormatError('relocatable object without a .text section', elf.name);
    return { base: text.addr, end: text.addr + BigInt(text.size), module: true };
  }
  const name = base ?? '_text';
  const v = elf.symbolValue(name);
  if (v === undefined) {
    const why = elf.symbols() ? `no symbol ${name}` : 'no symbol table';
    throw new FormatError(
      `${why} to take the base address from (not a vmlinux? pass --base)`,
      elf.name,
    );
  }
  return { base: v, module: false };
}

/**
 * Reads every unit's line rows and turns them into the entry table exactly as
 * the upstream generator (`scripts/gen_lineinfo`) does: libdw's row order,
 * its drop rules, its file-name normalisation and ids, then the sort and
 * de-duplication (spec section 1).
 */
export function extractUpstream(elf: ElfFile, options: ExtractOptions = {}): ExtractResult {
  const rules = options.rules ?? 'v1-v4';
  const rs = ruleSet(rules);
  if (!rs)
    throw new UserError(`unknown rule set ${rules} (known: ${Object.keys(RULE_SETS).join(', ')})`);
  const dw = new DwarfSections(elf, options.relocation);
  if (!dw.has('.debug_info') || !dw.has('.debug_line')) {
    throw new FormatError(
      'no DWARF line information (.debug_info or .debug_line missing); build with debug info',
      elf.name,
    );
  }
  const { base, end: moduleEnd, module } = resolveBase(elf, options.base);
  let end = moduleEnd;
  if (!module && rs.etextCap) {
    end = elf.symbolValue('_etext');
    if (end === undefined)
      throw new FormatError('no symbol _etext for the v5 upper bound', elf.name);
  }
  const baseHi = Number(base >> 32n);
  const baseLo = Number(base & 0xffffffffn);
  // The end as an offset from base (exclusive); Infinity when unbounded.
  const endOffset = end === undefined ? Number.POSITIVE_INFINITY : Number(end - base);

  // Upstream reads a module's .debug_info unrelocated: later units are garbage
  // to libdw, which fails on them; the generator goes on with the rest.
  const tolerant = elf.type === ET.REL && dw.relocation === 'upstream';
  let units: CompileUnit[];
  try {
    units = readUnits(dw, { tolerant });
  } catch (e) {
    throw e instanceof FormatError ? e.withFile(elf.name) : e;
  }
  const drops: DropCounters = {
    lineZero: 0,
    noFileName: 0,
    belowBase: 0,
    aboveEnd: 0,
    offsetOver4G: 0,
    notStatement: 0,
    endSequence: 0,
    sameOffset: 0,
    sameFileLine: 0,
  };
  const stats: ExtractStats = {
    units: units.length,
    unitsWithLines: 0,
    rowsRead: 0,
    sequences: 0,
    lineVersions: {},
    unitVersions: {},
  };
  if (tolerant) stats.unitsUnreadable = 0;
  const files: string[] = [];
  const fileIdByName = new Map<string, number>();
  // about one candidate per 8 bytes of .debug_line after the reduction (x86_64)
  const capacity = Math.ceil(dw.size('.debug_line') / 8);
  const upstream = rs.winner === 'smallest' ? new CandidateTable(capacity) : undefined;
  const last = rs.winner === 'last' ? new LastRowTable(capacity) : undefined;
  let gaps = 0;
  let lineZeroGaps = 0;
  let scratch: LineRows = allocRows(1 << 16);

  for (let u = 0; u < units.length; u++) {
    const unit = units[u];
    stats.unitVersions[unit.version] = (stats.unitVersions[unit.version] ?? 0) + 1;
    if (unit.stmtList === undefined) {
      if (unit.unreadable) stats.unitsUnreadable!++;
      options.onProgress?.(u + 1, units.length);
      continue;
    }
    let lt: ReturnType<typeof readLineTable>;
    try {
      lt = readLineTable(dw, unit.stmtList, unit.addressSize, scratch);
    } catch (e) {
      if (tolerant && e instanceof FormatError) {
        stats.unitsUnreadable!++;
        options.onProgress?.(u + 1, units.length);
        continue;
      }
      throw e instanceof FormatError
        ? new FormatError(
            `unit at .debug_info+${unit.offset} (${unit.name ?? '?'}): ${e.message}`,
            elf.name,
          )
        : e;
    }
    scratch = lt.rows;
    const rows = lt.rows;
    const h = lt.header;
    stats.unitsWithLines++;
    stats.rowsRead += rows.count;
    stats.sequences += lt.sequences;
    stats.lineVersions[h.version] = (stats.lineVersions[h.version] ?? 0) + 1;

    // file index in this table -> file id (-1: not yet resolved, -2: no name)
    const idOfIndex = new Int32Array(h.files.length + 1).fill(-1);
    const order = libdwRowOrder(rows);
    for (let k = 0; k < order.length; k++) {
      const i = order[k];
      const line = rows.line[i];
      if (line === 0) {
        drops.lineZero++;
        if (rs.lineZero === 'gap') {
          // the tools have no line here: a gap entry, when the address is in range
          const off = (rows.addrHi[i] - baseHi) * 0x100000000 + (rows.addrLo[i] - baseLo);
          if (off >= 0 && off < endOffset && off <= 0xffffffff) {
            last!.add(off, 0, 0);
            lineZeroGaps++;
          }
        }
        continue;
      }
      const flags = rows.flags[i];
      if (options.onRow) {
        const off = (rows.addrHi[i] - baseHi) * 0x100000000 + (rows.addrLo[i] - baseLo);
        if (off >= 0 && off <= 0xffffffff) {
          options.onRow(off, line, flags, () => {
            const p = libdwFilePath(h, rows.file[i], unit.compDir);
            return p === undefined ? undefined : normalizeUpstream(p, unit.compDir);
          });
        }
      }
      if (rs.stmtOnly && !(flags & ROW.isStmt) && !(flags & ROW.endSequence)) {
        drops.notStatement++;
        continue;
      }
      const fileIndex = rows.file[i];
      let id = fileIndex < idOfIndex.length ? idOfIndex[fileIndex] : -2;
      if (id === -1) {
        // resolved on first use below, after the address checks
      } else if (id === -2) {
        drops.noFileName++;
        continue;
      }
      const offset = (rows.addrHi[i] - baseHi) * 0x100000000 + (rows.addrLo[i] - baseLo);
      if (id === -1) {
        const path = libdwFilePath(h, fileIndex, unit.compDir);
        if (path === undefined || path === '') {
          idOfIndex[fileIndex] = -2;
          drops.noFileName++;
          continue;
        }
      }
      if (offset < 0) {
        drops.belowBase++;
        continue;
      }
      if (offset >= endOffset) {
        drops.aboveEnd++;
        continue;
      }
      if (offset > 0xffffffff) {
        drops.offsetOver4G++;
        continue;
      }
      if (flags & ROW.endSequence && rs.endSequence !== 'keep') {
        drops.endSequence++;
        if (rs.endSequence === 'gap') {
          last!.add(offset, 0, 0);
          gaps++;
        }
        continue;
      }
      if (id === -1) {
        const upstreamName = normalizeUpstream(
          libdwFilePath(h, fileIndex, unit.compDir)!,
          unit.compDir,
        );
        const name = rs.cleanPaths ? cleanPath(upstreamName) : upstreamName;
        let fid = fileIdByName.get(name);
        if (fid === undefined) {
          fid = files.length;
          if (fid >= MAX_FILES) {
            throw new FormatError(
              `more than ${MAX_FILES} distinct file names: the table's u16 file ids cannot hold them`,
              elf.name,
            );
          }
          files.push(name);
          fileIdByName.set(name, fid);
        }
        idOfIndex[fileIndex] = fid;
        id = fid;
      }
      if (upstream) upstream.add(offset, id, line);
      else last!.add(offset, id, line);
    }
    options.onProgress?.(u + 1, units.length);
  }

  let table: EntryTable;
  if (upstream) {
    table = upstream.finish(files, drops);
  } else {
    const r = last!.finish(files);
    drops.sameOffset += last!.replaced + r.notLast;
    drops.sameFileLine += r.sameFileLine;
    // an end row that became a gap candidate is counted by that candidate's
    // fate (an entry, or replaced, or merged), not as a dropped end row
    drops.endSequence -= gaps;
    drops.lineZero -= lineZeroGaps;
    table = r.table;
  }
  return { table, rules, base, end, drops, stats, relocations: [...dw.relocations.values()] };
}
