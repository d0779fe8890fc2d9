import { BUCKETS } from '../encodings/types.js';
import { baseLabel } from '../measure/growth.js';
import type { RunResult } from './schema.js';

/** One row per kernel x rule set x format: raw integers and the figures derived from them. */
export const TABLE_COLUMNS = [
  'kernel',
  'arch',
  'bits',
  'endianness',
  'rules',
  'format',
  'entries',
  'files',
  ...BUCKETS,
  'total',
  'bytes_per_entry',
  'bytes_per_entry_all',
  'growth_loaded_pct',
  'growth_image_pct',
  'base_loaded_bytes',
  'base_image_bytes',
  // after the columns older readers know: the code the table covers, and the boot image's file name
  'growth_code_pct',
  'base_code_bytes',
  'base_image_file',
] as const;

function cell(v: string | number | undefined): string {
  if (v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function tableRows(run: RunResult): (string | number | undefined)[][] {
  const rows: (string | number | undefined)[][] = [];
  for (const k of run.kernels) {
    const m = k.measure;
    const base = (id: string) => m.bases.find((b) => b.id === id)?.bytes;
    const image = m.bases.find((b) => b.id === 'image');
    for (const t of m.tables) {
      rows.push([
        k.id,
        m.kernel.metadata.arch,
        m.kernel.metadata.bits,
        m.kernel.metadata.endianness,
        t.rules,
        t.format,
        t.entries,
        t.files,
        ...BUCKETS.map((b) => t.buckets[b]),
        t.total,
        t.bytesPerEntry.toFixed(4),
        t.bytesPerEntryAll.toFixed(4),
        t.growth.loaded,
        t.growth.image,
        base('loaded'),
        base('image'),
        t.growth.code,
        base('code'),
        image && baseLabel(image),
      ]);
    }
  }
  return rows;
}

export function tablesCsv(run: RunResult): string {
  return (
    [TABLE_COLUMNS.join(','), ...tableRows(run).map((r) => r.map(cell).join(','))].join('\n') + '\n'
  );
}
