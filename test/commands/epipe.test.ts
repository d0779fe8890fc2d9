import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
// a checked-in multiarch run: its JSON is far larger than a pipe's buffer
const multiarch = readdirSync(join(root, 'results/runs')).find((n) => n.endsWith('-multiarch'))!;

it('output piped into a reader that stops early (| head) ends quietly with exit 0, no EPIPE stack trace', async () => {
  const child = spawn(
    process.execPath,
    [
      join(root, 'bin/lineinfo-bench.js'),
      'report',
      join('results/runs', multiarch),
      '--format',
      'json',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const first = await new Promise<string>((resolve) =>
    child.stdout.once('data', (d) => resolve(String(d))),
  );
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(first.startsWith('{')).toBe(true);
  expect(stderr).not.toContain('EPIPE');
  expect(code).toBe(0);
}, 60_000);
