import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { loadRunConfig, validateRunConfig } from '../../src/results/config.js';

const ok = {
  name: 't',
  kernels: [{ id: 'a', local: '/x/vmlinux' }],
  formats: ['flat', 'blocks:64'],
};

function errorOf(raw: unknown): string {
  try {
    validateRunConfig(raw, 'configs/t.json');
  } catch (e) {
    return (e as UserError).line();
  }
  return '';
}

describe('run configs', () => {
  it('fills defaults', () => {
    const c = validateRunConfig(ok, 'configs/t.json');
    // the newest revision's rules unless the config names others
    expect(c.rules).toEqual(['newest']);
    expect(c.seed).toBe(1);
    expect(c.measure).toEqual({ verifySamples: 100_000, agreement: 0 });
  });

  it('names the bad key with its path, and the file', () => {
    expect(errorOf({ ...ok, formats: ['flat', 'blocks:0'] })).toBe(
      'configs/t.json: formats.1: --format blocks:0: block size must be a whole number from 1 to 65536',
    );
    expect(errorOf({ ...ok, rules: ['v1-v4', 'nope'] })).toMatch(
      /^configs\/t\.json: rules\.1: unknown rule set nope/,
    );
    expect(errorOf({ ...ok, measure: { agreement: -1 } })).toMatch(
      /^configs\/t\.json: measure\.agreement: /,
    );
    expect(errorOf({ ...ok, colour: 'red' })).toMatch(/^configs\/t\.json: \(top level\): .*colour/);
    expect(errorOf({ ...ok, kernels: [ok.kernels[0], ok.kernels[0]] })).toBe(
      'configs/t.json: kernels.1.id: a is used twice',
    );
  });

  it('the shipped configs are valid', () => {
    for (const name of ['default', 'blocksize', 'multiarch']) {
      const c = loadRunConfig(`configs/${name}.json`);
      expect(c.name).toBe(name);
      expect(c.kernels.length).toBeGreaterThan(0);
    }
    expect(loadRunConfig('configs/multiarch.json').kernels.length).toBeGreaterThanOrEqual(12);
  });

  it('a missing file is a user error naming it', () => {
    expect(() => loadRunConfig('configs/none.json')).toThrow(UserError);
  });
});
