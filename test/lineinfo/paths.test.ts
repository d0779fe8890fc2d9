import { describe, expect, it } from 'vitest';
import { normalizeNewest } from '../../src/lineinfo/newest-paths.js';
import { fromKernelTopDir, normalizeUpstream } from '../../src/lineinfo/paths.js';

const BUILD = '/build/reproducible-path/linux-6.1.192/debian/build/build_amd64_none_cloud-amd64';

describe('upstream file-name normalisation', () => {
  it('strips comp_dir from an absolute path below it', () => {
    expect(normalizeUpstream(`${BUILD}/arch/x86/kernel/head64.c`, BUILD)).toBe(
      'arch/x86/kernel/head64.c',
    );
    // what is left may start anywhere: it is not scanned
    expect(normalizeUpstream(`${BUILD}/foo/bar.c`, BUILD)).toBe('foo/bar.c');
  });

  it('keeps ../ components after comp_dir, as the generator does', () => {
    expect(normalizeUpstream(`${BUILD}/arch/x86/kernel/../../x86/xen/xen-head.S`, BUILD)).toBe(
      'arch/x86/kernel/../../x86/xen/xen-head.S',
    );
  });

  it('scans for a kernel top-level directory when comp_dir does not match', () => {
    expect(
      normalizeUpstream('/build/reproducible-path/linux-6.1.192/include/linux/list.h', BUILD),
    ).toBe('include/linux/list.h');
    expect(normalizeUpstream('/home/me/linux/drivers/net/e1000/main.c', undefined)).toBe(
      'drivers/net/e1000/main.c',
    );
  });

  it('takes the first match, so a tree under /usr keeps usr/ (usr/ is a kernel directory too)', () => {
    expect(normalizeUpstream('/usr/src/linux-source-6.12/kernel/fork.c', '/tmp/o')).toBe(
      'usr/src/linux-source-6.12/kernel/fork.c',
    );
  });

  it('falls back to the base name when no kernel directory is found', () => {
    expect(normalizeUpstream('/opt/gcc/x86_64-linux-gnu/12/include-fixed/stddef.h', BUILD)).toBe(
      'stddef.h',
    );
  });

  it('scans when comp_dir is a subdirectory and the rest has no slash (parisc)', () => {
    const sub = '/src/linux/arch/parisc/kernel';
    expect(normalizeUpstream(`${sub}/entry.S`, sub)).toBe('arch/parisc/kernel/entry.S');
  });

  it('folds the X/X quirk of relative paths', () => {
    expect(normalizeUpstream('drivers/foo/x.c/drivers/foo/x.c', BUILD)).toBe('drivers/foo/x.c');
    expect(normalizeUpstream('a.c/a.c', BUILD)).toBe('a.c');
  });

  it('joins a bare name to comp_dir and scans it', () => {
    expect(normalizeUpstream('main.c', '/src/linux/init')).toBe('init/main.c');
    expect(normalizeUpstream('main.c', '/home/me/tmp')).toBe('main.c');
  });

  it('keeps any other relative path as it is, ../ included (the O= quirk)', () => {
    expect(normalizeUpstream('arch/riscv/kernel/head.S', BUILD)).toBe('arch/riscv/kernel/head.S');
    expect(normalizeUpstream('../arch/riscv/kernel/head.S', BUILD)).toBe(
      '../arch/riscv/kernel/head.S',
    );
  });

  it('matches a top-level directory only at a component start', () => {
    expect(fromKernelTopDir('/home/user/myarch/x/kernel/a.c')).toBe('kernel/a.c');
    expect(fromKernelTopDir('/home/xnet/y.c')).toBeUndefined();
    expect(fromKernelTopDir('/opt/lib')).toBeUndefined(); // "lib" without a slash after it
  });

  it('an empty comp_dir (a string section zeroed) still strips, as the generators test the pointer', () => {
    // measured: gen_lineinfo v4 and the newest name this file work/src/main.c
    expect(normalizeUpstream('/work/src/main.c', '')).toBe('work/src/main.c');
    expect(normalizeUpstream('/work/src/main.c', undefined)).toBe('main.c');
    expect(normalizeNewest('/work/src/main.c', '', [])).toBe('work/src/main.c');
  });
});
