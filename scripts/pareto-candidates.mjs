#!/usr/bin/env node
// Not a test: the Pareto chart of issue 16's candidates on Debian's
// cloud-amd64 6.1 (newest entries): index + data bytes per entry against warm
// p50 as a ratio to blocks:64's in the same run. Formats the targets benchmark
// measured come from results/latency/targets-*.json (median of 5 rounds);
// the design steps that no longer exist in the code are the figures
// results/latency/page-huffman.md gives for them (sizes exact, speed from
// interleaved A/B runs, their midpoint). Writes results/latency/page-huffman-pareto.svg.
//
//   node scripts/pareto-candidates.mjs
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'results', 'latency');
const read = (name) => JSON.parse(readFileSync(join(dir, `targets-${name}.json`), 'utf8'));

const points = [];
for (const [name, note, current] of [
  ['debian-cloud-amd64-6.1-newest-s6', 'quiet, session 6', true],
  ['debian-cloud-amd64-6.1-newest-quieter', 'load 3.5', false],
  ['debian-cloud-amd64-6.1-newest', 'load 7-9', false],
]) {
  for (const s of read(name).summary) {
    if (s.format === 'flat') continue;
    if (current && s.format !== 'page-huffman') continue; // blocks:64 is the axis' 1.0
    points.push({
      label: `${s.format} (${note})`,
      bpe: s.indexDataPerEntry,
      warm: s.warmVsBlocks.median,
      kept: current,
      // page-huffman:512 sits among the design steps near 1.8x
      dy: s.format === 'page-huffman:512' ? 40 : undefined,
    });
  }
}
// design steps of page-huffman, superseded (page-huffman.md, "The candidates tried")
// label offsets (px) keep the four points near 1.8x readable
for (const [label, bpe, warm, dy] of [
  ['pages 256, MRU + Huffman, popular files', 2.015, 1.8, -36],
  ['+ popular (file, line) pairs', 1.934, 1.8, -22],
  ['+ line step in the file symbol', 1.897, 1.23, 0],
  ['+ segments (gaps decoded a page)', 1.868, 1.8, 26],
  // the lookup levers of session 6 that changed the size (page-huffman.md, "Lookup levers"):
  // speed as instructions per lookup against blocks:64's 2,090 (cachegrind, not timed)
  ['at most 64 popular entries (Ir, rejected: arm64 v1-v4 over 2.0)', 1.938, 1716 / 2090, 14],
]) {
  points.push({
    label: label.includes('(Ir') ? label : `${label} (A/B)`,
    bpe,
    warm,
    kept: false,
    dy,
  });
}

const W = 900;
const H = 560;
const pad = { l: 70, r: 150, t: 40, b: 60 };
const maxX = Math.max(...points.map((p) => p.bpe)) * 1.05;
const maxY = Math.max(...points.map((p) => p.warm)) * 1.1;
const x = (v) => pad.l + (v / maxX) * (W - pad.l - pad.r);
const y = (v) => H - pad.b - (v / maxY) * (H - pad.t - pad.b);
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const parts = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
  `<rect width="${W}" height="${H}" fill="white"/>`,
  `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">Candidates on Debian cloud-amd64 6.1 (newest entries): size against warm lookup</text>`,
  `<line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="black"/>`,
  `<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${H - pad.b}" stroke="black"/>`,
  `<text x="${W / 2}" y="${H - 18}" text-anchor="middle">index + data bytes per entry</text>`,
  `<text x="18" y="${H / 2}" text-anchor="middle" transform="rotate(-90 18 ${H / 2})">warm p50, x blocks:64 (same run)</text>`,
  // the targets: 2.0 B/entry and 1.0x blocks:64
  `<line x1="${x(2)}" y1="${pad.t}" x2="${x(2)}" y2="${H - pad.b}" stroke="#c33" stroke-dasharray="4 3"/>`,
  `<line x1="${pad.l}" y1="${y(1)}" x2="${W - pad.r}" y2="${y(1)}" stroke="#c33" stroke-dasharray="4 3"/>`,
  `<text x="${x(2) + 4}" y="${pad.t + 12}" fill="#c33">2.0 B/entry</text>`,
  `<text x="${pad.l + 4}" y="${y(1) - 4}" fill="#c33">as fast as blocks:64</text>`,
];
for (let v = 0; v <= maxX; v += 0.5) {
  parts.push(`<text x="${x(v)}" y="${H - pad.b + 16}" text-anchor="middle">${v.toFixed(1)}</text>`);
}
for (let v = 0; v <= maxY; v += 0.5) {
  parts.push(`<text x="${pad.l - 8}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(1)}</text>`);
}
points.forEach((p, i) => {
  if (p.bpe > maxX) return;
  parts.push(
    `<circle cx="${x(p.bpe)}" cy="${y(p.warm)}" r="${p.kept ? 6 : 4}" fill="${p.kept ? '#1a7f37' : '#777'}"><title>${esc(p.label)}: ${p.bpe.toFixed(3)} B/entry, ${p.warm.toFixed(2)}x blocks:64</title></circle>`,
    `<text x="${x(p.bpe) + 8}" y="${y(p.warm) + 4 + (p.dy ?? ((i % 3) - 1) * 9)}">${esc(p.label)}</text>`,
  );
});
parts.push('</svg>\n');
const file = join(dir, 'page-huffman-pareto.svg');
writeFileSync(`${file}.tmp`, parts.join('\n'));
renameSync(`${file}.tmp`, file);
for (const p of points)
  console.log(`${p.label.padEnd(52)} ${p.bpe.toFixed(3)} B/entry  ${p.warm.toFixed(2)}x`);
console.log(`wrote ${file}`);
