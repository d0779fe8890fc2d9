import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compareDebianVersions } from '../../src/kernels/debver.js';

/** dpkg's own answer: -1, 0 or 1. */
function dpkg(a: string, b: string): number {
  if (spawnSync('dpkg', ['--compare-versions', a, 'lt', b]).status === 0) return -1;
  if (spawnSync('dpkg', ['--compare-versions', a, 'eq', b]).status === 0) return 0;
  return 1;
}

describe('compareDebianVersions', () => {
  // Real kernel package versions from the bookworm indexes, plus the classic edge cases.
  const fromApt = execFileSync(
    'apt-cache',
    ['madison', 'linux-source-6.12', 'linux-image-cloud-amd64-dbg'],
    { encoding: 'utf8' },
  )
    .split('\n')
    .map((l) => l.split('|')[1]?.trim())
    .filter((v): v is string => Boolean(v));
  const versions = [
    ...new Set([
      ...fromApt,
      '6.1.192-2',
      '6.1.176-1',
      '6.12.117-1~deb12u1',
      '6.12.117-1',
      '6.12.117-1+b1',
      '6.12.9-1',
      '1:6.1.0-1',
      '1.0~rc1-1',
      '1.0-1',
      '1.0a-1',
      '1.0+dfsg-1',
      '1.0',
      '1.0-0',
      '2.0~~a',
      '2.0~',
      '2.0',
      '10',
      '9',
    ]),
  ];

  it('has real versions from apt to compare', () => {
    expect(fromApt.length).toBeGreaterThan(2);
  });

  it('agrees with dpkg --compare-versions on every pair', () => {
    const disagreements: string[] = [];
    for (const a of versions) {
      for (const b of versions) {
        const ours = Math.sign(compareDebianVersions(a, b));
        const theirs = dpkg(a, b);
        if (ours !== theirs) disagreements.push(`${a} vs ${b}: ours ${ours}, dpkg ${theirs}`);
      }
    }
    expect(disagreements).toEqual([]);
  });
});
