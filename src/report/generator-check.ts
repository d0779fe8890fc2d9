import type {
  EntryDifference,
  EntryView,
  GeneratorCheckResult,
  ModuleBlobComparison,
  PartRow,
  RelocationRecord,
} from '../measure/generator.js';

const n = (v: number) => v.toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const hex = (v: number) => `0x${v.toString(16)}`;

/** A plain-text table; columns left-aligned as `left` says (default: the first only), the others right-aligned. */
function table(head: string[], rows: string[][], left: number[] = [0]): string[] {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) =>
    `  ${r.map((cell, c) => (left.includes(c) ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')}`.trimEnd();
  return [line(head), ...rows.map(line)];
}

function partsTable(parts: PartRow[]): string[] {
  const total = (side: 'generator' | 'ours') => parts.reduce((a, p) => a + (p[side] ?? 0), 0);
  const cell = (v?: number) => (v === undefined ? '-' : n(v));
  const diff = (p: { generator?: number; ours?: number }) => {
    const d = (p.ours ?? 0) - (p.generator ?? 0);
    return d === 0 ? '' : `${d > 0 ? '+' : ''}${n(d)}`;
  };
  const rows = parts.map((p) => [p.symbol, p.bucket, cell(p.generator), cell(p.ours), diff(p)]);
  const t = { generator: total('generator'), ours: total('ours') };
  rows.push(['total', '', n(t.generator), n(t.ours), diff(t)]);
  return table(['part', 'bucket', 'generator', 'ours', 'ours - gen'], rows, [0, 1]);
}

const entry = (e?: EntryView) => (e ? `#${e.index} ${hex(e.offset)} ${e.file}:${e.line}` : '-');

function differenceRows(ds: EntryDifference[]): string[] {
  // a newest module's differences name the covered section their offsets are relative to
  const sectioned = ds.some((d) => d.section !== undefined);
  const rows = ds.map((d) => [
    ...(sectioned ? [d.section ?? '-'] : []),
    d.kind,
    hex((d.generator ?? d.ours)!.offset),
    entry(d.generator),
    entry(d.ours),
  ]);
  const head = ['difference', 'offset', 'generator (#index offset file:line)', 'ours'];
  return sectioned ? table(['section', ...head], rows, [0, 1, 3, 4]) : table(head, rows, [0, 2, 3]);
}

const side = (v?: number) => (v === undefined ? '-' : n(v));
/** "gen / ours", or the one figure when both sides agree. */
const pair = (g?: number, o?: number) => (g === o ? side(g) : `${side(g)} / ${side(o)}`);

const anchor = (a: RelocationRecord) =>
  `${a.typeName} at ${a.offset} -> ${a.target}${a.addend ? ` ${a.addend > 0 ? '+' : ''}${a.addend}` : ''}`;

/** A newest module's line-info sections: bytes, anchors, each covered section's table, side by side. */
function moduleBlobLines(blobs: ModuleBlobComparison[], exact: boolean): string[] {
  const out: string[] = [];
  out.push('per covered section (generator / ours where they differ):');
  const rows = blobs.flatMap((b) =>
    b.sections.map((s) => [
      b.blob,
      s.name,
      pair(s.comparison.entries.generator, s.comparison.entries.ours),
      pair(s.comparison.files.generator, s.comparison.files.ours),
      pair(s.bytes.generator, s.bytes.ours),
      pair(s.size.generator, s.size.ours),
      pair(s.tableOffset.generator, s.tableOffset.ours),
    ]),
  );
  out.push(
    ...table(['blob', 'section', 'entries', 'files', 'bytes', 'covers', 'table at'], rows, [0, 1]),
  );
  out.push('');
  for (const b of blobs) {
    const pad = b.bytes.padding
      ? ` (+${n(b.bytes.padding)} zero bytes the assembler pads the section with, not compared)`
      : '';
    if (!b.present.generator || !b.present.ours) {
      out.push(
        `${b.blob}: ${b.present.generator ? "in the generator's output only" : 'in ours only'} (${n(b.present.generator ? b.bytes.generator : b.bytes.ours)} bytes)`,
      );
      continue;
    }
    out.push(
      b.bytes.identical
        ? `${b.blob}: ${n(b.bytes.generator)} bytes identical (sha256 ${b.bytes.generatorSha256.slice(0, 12)})${pad}`
        : `${b.blob}: ${n(b.bytes.generator)} bytes (generator) vs ${n(b.bytes.ours)} (ours); first difference at byte ${n(b.bytes.firstDifference!.offset)}, in ${b.bytes.firstDifference!.part}${pad}`,
    );
    const g = b.anchors.generator;
    if (b.anchors.identical)
      out.push(
        `  anchors: ${g.length} relocation${g.length === 1 ? '' : 's'} identical: ${g.map(anchor).join('; ')}`,
      );
    else {
      out.push(`  anchors: ${g.length} (generator) vs ${b.anchors.ours.length} (ours) differ:`);
      out.push(`    generator: ${g.map(anchor).join('; ') || 'none'}`);
      out.push(`    ours:      ${b.anchors.ours.map(anchor).join('; ') || 'none'}`);
    }
  }
  if (!exact) {
    // a table on one side only is no file-name difference
    const first = blobs
      .flatMap((b) => b.sections)
      .find(
        (s) =>
          s.bytes.generator !== undefined &&
          s.bytes.ours !== undefined &&
          s.comparison.fileNamesDiffer,
      );
    if (first) {
      out.push(
        '',
        `file names (${first.name}'s table): ${n(first.comparison.fileNamesDiffer)} ids differ; first:`,
      );
      out.push(
        ...table(
          ['id', 'generator', 'ours'],
          first.comparison.fileDifferences.map((f) => [
            String(f.id),
            f.generator ?? '-',
            f.ours ?? '-',
          ]),
          [1, 2],
        ),
      );
    }
  }
  for (const b of blobs) {
    out.push('', `${b.blob} parts (bytes):`);
    out.push(...partsTable(b.parts));
  }
  return out;
}

/** `generator check` as plain text: what ran, then "exact" or the differences, then the parts side by side. */
export function renderGeneratorCheck(r: GeneratorCheckResult): string {
  const out: string[] = [];
  const g = r.generator;
  const row = (k: string, v: string) => out.push(`${k.padEnd(11)}${v}`);
  row('generator', g.source);
  const why =
    g.revisionFrom === 'option'
      ? `--revision${g.detected ? `; the source reads as ${g.detected.revision}` : ''}`
      : `detected: ${g.detected?.because ?? '?'}`;
  row('', `sha256 ${g.sha256.slice(0, 12)}, revision ${g.revision} (${why})`);
  row(
    '',
    `${g.cached ? 'cached' : 'built'} with ${g.cc}, libdw ${g.libdwVersion}${g.cached ? '' : ` in ${secs(g.buildMs)}`}`,
  );
  row('kernel', `${r.kernel.file}`);
  row('', `${r.kernel.arch}, ${r.kernel.elfType}, ${r.kernel.mode} mode`);
  const env = Object.entries(r.run.env).map(([k, v]) => `${k}=${v} `);
  row(
    'run',
    `${env.join('')}gen_lineinfo ${r.run.argv.join(' ')}: ${secs(r.run.runMs)}, ${n(r.run.asmBytes)} bytes of assembly; ${r.run.assembler}: ${secs(r.run.assembleMs)}`,
  );
  for (const l of r.run.stderr.slice(-5)) row('', `stderr: ${l}`);
  if (r.ours)
    row(
      'ours',
      `rules ${r.ours.rules} (${r.ours.description}): ${secs(r.ours.extractMs)}; format ${r.format}`,
    );
  for (const note of r.notes) row('note', note);
  out.push('');

  if (r.sections) {
    out.push('sections in the assembled object:');
    out.push(
      ...table(
        ['section', 'bytes', 'relocations', 'sha256'],
        r.sections.map((s) => [s.name, n(s.size), n(s.relocations), s.sha256.slice(0, 12)]),
      ),
    );
    for (const s of r.sections) {
      for (const [k, b] of (s.blob ?? []).entries())
        out.push(
          `  ${s.name}[${k}]: covers ${n(b.size)} bytes, ${n(b.entries)} entries, ${n(b.files)} files, names ${n(b.filenamesSize)} bytes (table at ${b.tableOffset})`,
        );
    }
    out.push('');
  }

  if (r.outcome === 'not-modelled') {
    out.push(`not modelled: ${r.notModelled}`);
    return `${out.join('\n')}\n`;
  }

  if (r.moduleBlobs) {
    const c = r.comparison!;
    if (r.outcome === 'exact')
      out.push(
        `exact: ${n(c.entries.generator)} entries in ${r.moduleBlobs.reduce((a, b) => a + b.sections.length, 0)} covered sections, ${n(c.files.generator)} files, ${r.moduleBlobs.length} line-info sections ${n(c.bytes.generator)} bytes identical, anchors identical`,
      );
    else {
      out.push(
        `DIFFERENT: entries ${n(c.entries.generator)} (generator) vs ${n(c.entries.ours)} (ours), files ${n(c.files.generator)} vs ${n(c.files.ours)}, bytes ${n(c.bytes.generator)} vs ${n(c.bytes.ours)}`,
      );
      out.push(
        `  offsets only in the generator's tables ${n(c.onlyGenerator)}, only in ours ${n(c.onlyOurs)}, ` +
          `same offset with another file:line ${n(c.changed)}, another file id only ${n(c.fileIdOnly)}`,
      );
      if (c.differences.length) {
        out.push(
          '',
          `first ${c.differences.length} differences, by section in offset order:`,
          ...differenceRows(c.differences),
        );
      }
    }
    out.push('', ...moduleBlobLines(r.moduleBlobs, r.outcome === 'exact'));
    return `${out.join('\n')}\n`;
  }

  const c = r.comparison!;
  const tail = c.bytes.sectionTail
    ? ` (+${n(c.bytes.sectionTail)} bytes the assembler pads the section with, not compared)`
    : '';
  if (r.outcome === 'exact') {
    out.push(
      `exact: ${n(c.entries.generator)} entries, ${n(c.files.generator)} files, parts ${n(c.bytes.generator)} bytes identical (sha256 ${c.bytes.generatorSha256.slice(0, 12)})${tail}`,
    );
  } else {
    out.push(
      `DIFFERENT: entries ${n(c.entries.generator)} (generator) vs ${n(c.entries.ours)} (ours), files ${n(c.files.generator)} vs ${n(c.files.ours)}`,
    );
    out.push(
      `  offsets only in the generator's table ${n(c.onlyGenerator)}, only in ours ${n(c.onlyOurs)}, ` +
        `same offset with another file:line ${n(c.changed)}, another file id only ${n(c.fileIdOnly)}`,
    );
    if (c.differences.length) {
      out.push('', `first ${c.differences.length} differences, in offset order:`);
      out.push(...differenceRows(c.differences));
    }
    if (c.fileNamesDiffer) {
      out.push('', `file names: ${n(c.fileNamesDiffer)} ids differ; first:`);
      out.push(
        ...table(
          ['id', 'generator', 'ours'],
          c.fileDifferences.map((f) => [String(f.id), f.generator ?? '-', f.ours ?? '-']),
          [1, 2],
        ),
      );
    }
    const b = c.bytes;
    out.push(
      '',
      b.identical
        ? `bytes: identical (${n(b.generator)})${tail}`
        : `bytes: ${n(b.generator)} (generator) vs ${n(b.ours)} (ours); first difference at byte ${n(b.firstDifference!.offset)}, in ${b.firstDifference!.part}${tail}`,
    );
  }
  out.push('', 'parts (bytes):');
  out.push(...partsTable(c.parts));
  return `${out.join('\n')}\n`;
}
