import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ElfFile } from '../../src/elf/elf-file.js';
import { UserError } from '../../src/errors.js';
import { cacheRoot, readDone, sha256 } from '../../src/kernels/cache.js';
import {
  DebianSource,
  dbgPackageAbi,
  flavourArch,
  resolveDebian,
} from '../../src/kernels/debian.js';
import { parseKconfig } from '../../src/kernels/metadata.js';
import { hasProgram } from './helpers.js';

/**
 * The Debian path for real: apt's indexes, `apt-get download` and dpkg-deb on
 * the cloud-amd64 6.1 debug package (283 MB, downloaded once into the cache
 * outside the repository) and its image package (27 MB).
 */
const apt = hasProgram('apt-get') && hasProgram('dpkg-deb');
const cache = cacheRoot();
const PINNED = { flavour: 'cloud-amd64', version: '6.1.192-2' };

function readBytes(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(length);
    readSync(fd, b, 0, length, offset);
    return b;
  } finally {
    closeSync(fd);
  }
}

describe('dbg package names', () => {
  it("takes the ABI and no more, so one flavour never takes another flavour's package", () => {
    expect(dbgPackageAbi('linux-image-6.1.0-56-amd64-dbg', 'amd64')).toBe('6.1.0-56');
    expect(dbgPackageAbi('linux-image-6.1.0-56-rt-amd64-dbg', 'amd64')).toBeUndefined();
    expect(dbgPackageAbi('linux-image-6.1.0-56-cloud-amd64-dbg', 'amd64')).toBeUndefined();
    expect(dbgPackageAbi('linux-image-6.1.0-56-rt-amd64-dbg', 'rt-amd64')).toBe('6.1.0-56');
    expect(dbgPackageAbi('linux-image-6.12.107+deb12-arm64-dbg', 'arm64')).toBe('6.12.107+deb12');
    expect(dbgPackageAbi('linux-image-6.12.107+deb12-arm64-16k-dbg', 'arm64')).toBeUndefined();
    expect(dbgPackageAbi('linux-image-6.12-amd64-dbg', 'amd64')).toBeUndefined();
    // backports name their ABI otherwise
    expect(dbgPackageAbi('linux-image-6.12.38+bpo-amd64-dbg', 'amd64')).toBe('6.12.38+bpo');
    expect(dbgPackageAbi('linux-image-6.1.0-0.deb11.17-amd64-dbg', 'amd64')).toBe(
      '6.1.0-0.deb11.17',
    );
    expect(dbgPackageAbi('linux-image-6.1.0-0.deb11.17-rt-amd64-dbg', 'amd64')).toBeUndefined();
  });
});

describe.skipIf(!apt)('Debian debug packages', () => {
  // amd64 and cloud-amd64 were once resolved to rt-amd64's package: the ABI took "-56-rt"
  it.each(['cloud-amd64', 'amd64', 'rt-amd64'])(
    'resolves flavour %s to the newest 6.1 package, as its meta-package does',
    (flavour) => {
      const meta = `linux-image-${flavour}-dbg`;
      const candidate = /Candidate:\s*(\S+)/.exec(
        execFileSync('apt-cache', ['policy', meta], { encoding: 'utf8' }),
      )![1];
      const depends = /^Depends: (linux-image-\S+-dbg) \(= (\S+)\)/m.exec(
        execFileSync('apt-cache', ['show', `${meta}=${candidate}`], { encoding: 'utf8' }),
      )!;
      const r = resolveDebian({ flavour, series: '6.1' });
      expect(r.dbg.package).toBe(depends[1]);
      expect(r.dbg.version).toBe(depends[2]);
      expect(r.arch).toBe('amd64');
    },
  );

  it('pins a version, and names the versions apt has when the pin is wrong', () => {
    const r = resolveDebian(PINNED);
    expect(r.dbg.package).toBe('linux-image-6.1.0-56-cloud-amd64-dbg');
    expect(r.release).toBe('6.1.0-56-cloud-amd64');
    expect(() => resolveDebian({ flavour: 'cloud-amd64', version: '0.0.1-1' })).toThrow(
      /with version 0\.0\.1-1; apt has: .*6\.1\.192-2/,
    );
  });

  it('names a flavour that does not exist', () => {
    expect(() => resolveDebian({ flavour: 'nosuch-amd64' })).toThrow(
      /no package linux-image-<abi>-nosuch-amd64-dbg for amd64/,
    );
    expect(() => resolveDebian({ flavour: 'weird' })).toThrow(
      /cannot tell the Debian architecture of flavour 'weird': pass --arch/,
    );
  });

  const foreign = apt
    ? execFileSync('dpkg', ['--print-foreign-architectures'], { encoding: 'utf8' })
    : '';
  // a Debian architecture this machine has not enabled (flavour -> arch)
  const FOREIGN = [
    ['cloud-arm64', 'arm64'],
    ['armmp', 'armhf'],
    ['powerpc64le', 'ppc64el'],
    ['s390x', 's390x'],
  ] as const;
  const notEnabled = FOREIGN.find(([, a]) => !foreign.split('\n').includes(a));
  it.skipIf(!notEnabled)(
    'does not add a foreign architecture without consent, and says how',
    () => {
      const [flavour, arch] = notEnabled!;
      expect(flavourArch(flavour)).toBe(arch);
      let err: unknown;
      try {
        resolveDebian({ flavour });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).message).toBe(
        `Debian architecture ${arch} is not enabled here: run \`dpkg --add-architecture ${arch} && apt-get update\` or pass --allow-add-arch`,
      );
      expect(execFileSync('dpkg', ['--print-foreign-architectures'], { encoding: 'utf8' })).toBe(
        foreign,
      );
    },
  );

  it('downloads, extracts and describes vmlinux, boot image and .config; the cache is reused', async () => {
    const src = new DebianSource({ ...PINNED, image: true }, cache);
    const k = await src.get();
    const r = resolveDebian(PINNED);
    const dir = src.dirFor(r);
    expect(k.vmlinux).toBe(`${dir}/usr/lib/debug/boot/vmlinux-6.1.0-56-cloud-amd64`);
    expect(k.metadata).toMatchObject({
      arch: 'x86_64',
      bits: 64,
      endianness: 'little',
      dwarfVersion: 5,
      compiler: 'gcc',
      compilerVersion: '12.2.0',
    });
    expect(k.metadata.kernelVersion).toBe('6.1.0-56-cloud-amd64');
    // the .deb on disk is the one the index names
    const deb = `${dir}/linux-image-6.1.0-56-cloud-amd64-dbg_6.1.192-2_amd64.deb`;
    expect(sha256(readFileSync(deb))).toBe(r.dbg.sha256);
    // the boot image is an x86 bzImage: "HdrS" at 0x202
    expect(readBytes(k.bootImage!, 0x202, 4).toString('latin1')).toBe('HdrS');
    const cfgText = readFileSync(k.config!, 'utf8');
    expect(k.metadata.configHash).toBe(sha256(cfgText));
    // Debian 6.1 leaves the DWARF version to gcc 12, whose default is 5: the ELF says 5
    const cfg = parseKconfig(cfgText);
    expect(cfg.get('CONFIG_DEBUG_INFO')).toBe('y');
    expect(cfg.get('CONFIG_DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT')).toBe('y');
    expect(k.metadata.compilerText).toBe(cfg.get('CONFIG_CC_VERSION_TEXT'));
    expect(k.provenance).toEqual({
      kind: 'debian',
      package: 'linux-image-6.1.0-56-cloud-amd64-dbg',
      version: '6.1.192-2',
      arch: 'amd64',
      imagePackage: 'linux-image-6.1.0-56-cloud-amd64=6.1.192-2',
    });
    expect(readDone(dir)).toMatchObject({ vmlinux: true, image: true });
    // again: nothing downloaded or extracted
    const before = statSync(k.vmlinux).mtimeMs;
    const again = await new DebianSource({ ...PINNED, image: true }, cache).get();
    expect(again.vmlinux).toBe(k.vmlinux);
    expect(statSync(k.vmlinux).mtimeMs).toBe(before);
  }, 600_000);

  it('extracts the modules on request: every .ko in the package, each an ET_REL object', async () => {
    const k = await new DebianSource({ ...PINNED, modules: true }, cache).get();
    const r = resolveDebian(PINNED);
    const deb = `${new DebianSource(PINNED, cache).dirFor(r)}/linux-image-6.1.0-56-cloud-amd64-dbg_6.1.192-2_amd64.deb`;
    const listed = execFileSync('sh', ['-c', 'dpkg-deb -c "$0" | grep -c "\\.ko$"', deb], {
      encoding: 'utf8',
    }).trim();
    expect(k.modules.length).toBe(Number(listed));
    for (const m of [k.modules[0], k.modules[k.modules.length - 1]]) {
      expect(existsSync(m)).toBe(true);
      const elf = ElfFile.open(m);
      expect(elf.type).toBe(1);
      elf.close();
    }
  }, 600_000);
});
