import { FormatError } from '../errors.js';
import { ByteReader } from '../util/bytes.js';
import { DW_RLE } from './constants.js';
import type { CompileUnit } from './info.js';
import type { DwarfSections } from './sections.js';

/** An address range [lo, hi). */
export interface AddressRange {
  lo: bigint;
  hi: bigint;
}

/**
 * The address ranges a unit covers, from its first DIE as llvm-symbolizer
 * reads them: DW_AT_ranges (`.debug_ranges` up to DWARF 4, `.debug_rnglists`
 * in DWARF 5), else DW_AT_low_pc with DW_AT_high_pc (an address or an offset
 * from low_pc). A unit without both (or with neither) covers nothing. Empty
 * ranges are left out.
 */
export function unitRanges(dw: DwarfSections, unit: CompileUnit): AddressRange[] {
  const a = unit.rangeAttrs;
  if (!a) return [];
  const addr = (index: number) => addressAt(dw, unit, index);
  const low =
    a.lowPc === undefined
      ? undefined
      : 'address' in a.lowPc
        ? a.lowPc.address
        : addr(a.lowPc.index);
  const out: AddressRange[] = [];
  if (a.ranges) {
    if (unit.version >= 5) readRnglist(dw, unit, low ?? 0n, out);
    else if ('offset' in a.ranges) readRanges(dw, unit, a.ranges.offset, low ?? 0n, out);
  } else if (low !== undefined && a.highPc) {
    const h = a.highPc;
    const hi = 'offset' in h ? low + h.offset : 'address' in h ? h.address : addr(h.index);
    out.push({ lo: low, hi });
  }
  return out.filter((r) => r.hi > r.lo);
}

function reader(dw: DwarfSections, name: string, at: number): ByteReader {
  const bytes = dw.require(name);
  if (at > bytes.length) throw new FormatError(`${name}: offset ${at} past its end`, dw.elf.name);
  const r = new ByteReader(bytes, dw.littleEndian, `${dw.elf.name}: ${name}`);
  r.pos = at;
  return r;
}

/** Entry `index` of the unit's `.debug_addr` table (DW_AT_addr_base, by default just past a DWARF 5 header). */
function addressAt(dw: DwarfSections, unit: CompileUnit, index: number): bigint {
  const base = unit.rangeAttrs?.addrBase ?? (unit.offsetSize === 8 ? 16 : 8);
  return reader(dw, '.debug_addr', base + index * unit.addressSize).uN(unit.addressSize);
}

/** A DWARF 2-4 `.debug_ranges` list: address pairs relative to the base, (0, 0) ends it, (max, a) sets the base. */
function readRanges(
  dw: DwarfSections,
  unit: CompileUnit,
  offset: number,
  low: bigint,
  out: AddressRange[],
): void {
  const size = unit.addressSize;
  const max = (1n << BigInt(size * 8)) - 1n;
  const r = reader(dw, '.debug_ranges', offset);
  let base = low;
  for (;;) {
    const start = r.uN(size);
    const end = r.uN(size);
    if (start === 0n && end === 0n) return;
    if (start === max) base = end;
    else out.push({ lo: base + start, hi: base + end });
  }
}

/** A DWARF 5 `.debug_rnglists` list, found by section offset or by DW_FORM_rnglistx index. */
function readRnglist(dw: DwarfSections, unit: CompileUnit, low: bigint, out: AddressRange[]): void {
  const a = unit.rangeAttrs!;
  const ranges = a.ranges!;
  const size = unit.addressSize;
  let offset: number;
  if ('offset' in ranges) offset = ranges.offset;
  else {
    // the offsets table follows the list header; its offsets are relative to the table
    const base = a.rnglistsBase ?? (unit.offsetSize === 8 ? 20 : 12);
    offset =
      base +
      reader(dw, '.debug_rnglists', base + ranges.index * unit.offsetSize).offset(unit.offsetSize);
  }
  const r = reader(dw, '.debug_rnglists', offset);
  const addr = (index: number) => addressAt(dw, unit, index);
  let base = low;
  for (;;) {
    const kind = r.u8();
    switch (kind) {
      case DW_RLE.end_of_list:
        return;
      case DW_RLE.base_addressx:
        base = addr(r.uleb());
        break;
      case DW_RLE.startx_endx: {
        const lo = addr(r.uleb());
        out.push({ lo, hi: addr(r.uleb()) });
        break;
      }
      case DW_RLE.startx_length: {
        const lo = addr(r.uleb());
        out.push({ lo, hi: lo + r.ulebBig() });
        break;
      }
      case DW_RLE.offset_pair: {
        const lo = base + r.ulebBig();
        out.push({ lo, hi: base + r.ulebBig() });
        break;
      }
      case DW_RLE.base_address:
        base = r.uN(size);
        break;
      case DW_RLE.start_end: {
        const lo = r.uN(size);
        out.push({ lo, hi: r.uN(size) });
        break;
      }
      case DW_RLE.start_length: {
        const lo = r.uN(size);
        out.push({ lo, hi: lo + r.ulebBig() });
        break;
      }
      default:
        throw new FormatError(
          `.debug_rnglists: unknown entry kind 0x${kind.toString(16)} at byte ${r.pos - 1}`,
          dw.elf.name,
        );
    }
  }
}
