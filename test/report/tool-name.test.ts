import { describe, expect, it } from 'vitest';
import { toolName } from '../../src/report/model.js';
import { reporter } from '../../src/report/reporter.js';
import type { RunResult } from '../../src/results/schema.js';
import { checkedInRun } from './runs.js';

const a = '0123456789abcdef0123456789abcdef01234567';
const b = 'fedcba9876543210fedcba9876543210fedcba98';
const tool = (t: Partial<RunResult['tool']>): Pick<RunResult, 'tool'> => ({
  tool: { name: 'lineinfo-bench', version: '0.1.0', node: 'v20.20.0', ...t },
});

describe('the code behind every published figure', () => {
  it('names the commit, 12 hex digits, and uncommitted changes', () => {
    expect(toolName(tool({ commit: a, dirty: false }))).toBe(
      'lineinfo-bench 0.1.0 at 0123456789ab',
    );
    expect(toolName(tool({ commit: a, dirty: true }))).toBe(
      'lineinfo-bench 0.1.0 at 0123456789ab with uncommitted changes',
    );
  });

  it('names the kernels a resumed run measured at other code', () => {
    expect(
      toolName(
        tool({
          commit: a,
          dirty: false,
          resumedAt: [
            { commit: b, dirty: false, kernels: ['x', 'y'] },
            { commit: 'unknown', dirty: false, kernels: ['z'] },
          ],
        }),
      ),
    ).toBe('lineinfo-bench 0.1.0 at 0123456789ab (resumed: x, y at fedcba987654; z at unknown)');
  });

  it('gives the version alone for runs saved before commits were recorded', () => {
    const old = checkedInRun('defaultV1V4');
    expect(old.tool.commit).toBeUndefined();
    expect(toolName(old)).toBe(`lineinfo-bench ${old.tool.version}`);
  });

  it('is in every pasted format: RST, mail text, Markdown and HTML', () => {
    const run = { ...checkedInRun('default') };
    run.tool = { ...run.tool, commit: a, dirty: false };
    for (const format of ['rst', 'text', 'markdown', 'html'])
      expect(reporter(format)!.render(run).replace(/\s+/g, ' ')).toContain(
        'lineinfo-bench 0.1.0 at 0123456789ab',
      );
  });
});
