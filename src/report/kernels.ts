import { join } from 'node:path';
import type { KernelsListing } from '../kernels/listing.js';
import type { MatrixJobResult } from '../kernels/matrix.js';
import type { Kernel } from '../kernels/types.js';

/** What `kernels get` and `kernels build` print: one kernel, one field a line. */
export function renderKernel(k: Kernel): string {
  const m = k.metadata;
  const p = k.provenance;
  const from =
    p.kind === 'path'
      ? p.path
      : p.kind === 'debian'
        ? `Debian ${p.package}=${p.version} (${p.arch})${p.imagePackage ? `, image ${p.imagePackage}` : ''}`
        : p.kind === 'tuxmake'
          ? `TuxMake build ${p.dir}: target_arch ${p.targetArch}, toolchain ${p.toolchain}, kconfig ${p.kconfig.join(' ')}${p.git ? `, git ${p.git}` : ''}`
          : `build ${p.jobKey} of ${p.source} ${p.origin} at ${p.ref}${p.patches.length ? ` + ${p.patches.length} patches` : ''}, recipe ${p.recipe}`;
  const lines = [
    `vmlinux:    ${k.vmlinux}`,
    `arch:       ${m.arch} (${m.bits}-bit, ${m.endianness}-endian, ARCH=${m.kernelArch})`,
    `kernel:     ${m.kernelVersion ?? '(unknown)'}`,
    `config:     ${k.config ?? '(none)'}${m.configName ? ` [${m.configName}]` : ''}${m.configHash ? ` sha256 ${m.configHash.slice(0, 16)}` : ''}`,
    `compiler:   ${m.compiler ? `${m.compiler} ${m.compilerVersion ?? ''}`.trim() : '(unknown)'}${m.compilerText ? ` (${m.compilerText})` : ''}`,
    `DWARF:      ${m.dwarfVersion ?? '(no .debug_info)'}`,
    `boot image: ${k.bootImage ?? '(none)'}`,
    `modules:    ${k.modules.length}`,
    `from:       ${from}`,
  ];
  return `${lines.join('\n')}\n`;
}

export function renderListing(l: KernelsListing): string {
  const out: string[] = [
    `cache: ${l.cache}  (set LINEINFO_BENCH_CACHE to move it)`,
    '',
    'recipes (configs/recipes/):',
  ];
  for (const r of l.recipes) out.push(`  ${r.name.padEnd(28)} ${r.description ?? ''}`);
  out.push(
    '',
    'arches (gcc: installed or the Debian package to install; clang: LLVM=1 supported):',
  );
  for (const a of l.arches) {
    out.push(
      `  ${a.name.padEnd(9)} ARCH=${a.makeArch.padEnd(8)} gcc: ${a.gccInstalled ? 'installed' : `apt-get install ${a.gccPackage}`}${a.clang ? '  clang: yes' : ''}`,
    );
  }
  out.push('', `finished builds (${l.builds.length}):`);
  for (const b of l.builds)
    out.push(
      `  ${b.label.padEnd(46)} ${(b.configSeconds + b.makeSeconds).toFixed(1).padStart(7)} s  ${join(b.dir, 'out', 'vmlinux')}`,
    );
  if (l.unfinished.length) {
    out.push('', `unfinished builds (${l.unfinished.length}; run the same build again to resume):`);
    for (const u of l.unfinished) out.push(`  ${u.running ? 'running ' : 'stopped '} ${u.log}`);
  }
  out.push('', `Debian packages (${l.debian.length}):`);
  for (const d of l.debian) out.push(`  ${d.package}=${d.version}  ${d.dir}`);
  return `${out.join('\n')}\n`;
}

/** `kernels matrix`: one line per job, its status and its vmlinux or error. */
export function renderMatrixResults(results: MatrixJobResult[]): string {
  return results
    .map(
      (r) =>
        `${r.status.padEnd(7)} ${r.label.padEnd(44)} ${r.result?.kernel?.vmlinux ?? r.error ?? ''}\n`,
    )
    .join('');
}

/** `kernels matrix --json`: the jobs as data. */
export function matrixResultsData(results: MatrixJobResult[]): unknown {
  return results.map((r) => ({
    label: r.label,
    status: r.status,
    seconds: r.seconds,
    error: r.error,
    vmlinux: r.result?.kernel?.vmlinux,
    build: r.result?.done,
    metadata: r.result?.kernel?.metadata,
  }));
}
