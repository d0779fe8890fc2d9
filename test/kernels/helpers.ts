import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary directory (removed by the caller's afterAll). */
export function tempDir(label: string): string {
  mkdirSync(tmpdir(), { recursive: true });
  return mkdtempSync(join(tmpdir(), `lineinfo-kernels-${label}-`));
}

export function hasProgram(name: string): boolean {
  return spawnSync('/bin/sh', ['-c', 'command -v "$0"', name]).status === 0;
}

/**
 * Compiles a small freestanding program carrying a Linux-style banner in
 * .rodata, with a real (cross) compiler: a tiny stand-in for a vmlinux.
 */
export function compileKernelLike(
  cc: string,
  dir: string,
  name: string,
  flags: string[] = ['-gdwarf-5'],
): string {
  const src = join(dir, `${name}.c`);
  writeFileSync(
    src,
    [
      'const char linux_banner[] = "Linux version 6.9.0-lb-test (builder@host) (cc) #1 SMP\\n";',
      'volatile int counter;',
      'int add(int a, int b) { return a + b + counter; }',
      'int main(void) { counter = add(1, 2); return linux_banner[counter]; }',
      '',
    ].join('\n'),
  );
  const out = join(dir, name);
  execFileSync(
    cc,
    [...flags, '-O1', '-nostdlib', '-ffreestanding', '-static', '-Wl,-e,main', '-o', out, src],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  return out;
}

/** `readelf -h` facts, to check our reading against. */
export function readelfHeader(path: string): { class: string; data: string; machine: string } {
  const text = execFileSync('readelf', ['-h', path], { encoding: 'utf8' });
  const field = (name: string) =>
    new RegExp(`^\\s*${name}:\\s*(.*)$`, 'm').exec(text)?.[1].trim() ?? '';
  return { class: field('Class'), data: field('Data'), machine: field('Machine') };
}
