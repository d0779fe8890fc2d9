import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { arch as hostArchNode } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { findFiles } from './build.js';
import { isDone, markDone, readDone, withLock } from './cache.js';
import { compareDebianVersions } from './debver.js';
import { runCapture, runChecked } from './exec.js';
import { describeKernel } from './metadata.js';
import type { Kernel, KernelSource, ProgressFn } from './types.js';

/** One package stanza from `apt-cache show`. */
export interface AptPackage {
  package: string;
  version: string;
  architecture: string;
  size: number;
  sha256?: string;
  filename?: string;
}

export function parseAptShow(text: string): AptPackage[] {
  const out: AptPackage[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const f = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      const m = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line);
      if (m) f.set(m[1], m[2]);
    }
    const pkg = f.get('Package');
    const version = f.get('Version');
    if (!pkg || !version) continue;
    out.push({
      package: pkg,
      version,
      architecture: f.get('Architecture') ?? '',
      size: Number(f.get('Size') ?? 0),
      sha256: f.get('SHA256'),
      filename: f.get('Filename'),
    });
  }
  return out;
}

/** The Debian architecture a kernel flavour is built for: cloud-amd64 -> amd64, armmp -> armhf, 686-pae -> i386. */
export function flavourArch(flavour: string): string | undefined {
  if (/(^|-)amd64$/.test(flavour)) return 'amd64';
  if (/(^|-)arm64(-16k)?$/.test(flavour)) return 'arm64';
  if (/^armmp/.test(flavour)) return 'armhf';
  if (/^686/.test(flavour)) return 'i386';
  if (/^powerpc64le/.test(flavour)) return 'ppc64el';
  if (flavour === 's390x') return 's390x';
  if (/^(4kc|5kc|octeon|loongson|mips)/.test(flavour)) return undefined; // several mips ports: say --arch
  return undefined;
}

export function hostDebArch(): string {
  const r = runCapture('dpkg', ['--print-architecture']);
  if (r.code === 0) return r.stdout.trim();
  return hostArchNode() === 'x64' ? 'amd64' : hostArchNode();
}

export interface DebianRequest {
  /** Kernel flavour: cloud-amd64, amd64, arm64, cloud-arm64, ... */
  flavour: string;
  /** A package version to pin (6.1.192-2); default the newest. */
  version?: string;
  /** Only ABIs of this series (6.1, 6.12). */
  series?: string;
  /** Debian architecture; default from the flavour. */
  arch?: string;
  /** Extract the modules' debug files too. */
  modules?: boolean;
  /** Also fetch the image package: boot image (vmlinuz) and .config. */
  image?: boolean;
  /** Allow `dpkg --add-architecture` for a foreign architecture. */
  allowAddArch?: boolean;
}

export interface DebianResolved {
  dbg: AptPackage;
  /** ABI + flavour: 6.1.0-56-cloud-amd64; names the files inside the packages. */
  release: string;
  arch: string;
  image?: AptPackage;
}

const aptEnv = () => ({ ...process.env, DEBIAN_FRONTEND: 'noninteractive' });

/** Makes sure dpkg knows a foreign architecture, adding it only with consent. */
export function ensureArchitecture(arch: string, allow: boolean, onProgress?: ProgressFn): void {
  if (arch === hostDebArch()) return;
  const foreign = runChecked('dpkg', ['--print-foreign-architectures'])
    .split('\n')
    .map((s) => s.trim());
  if (foreign.includes(arch)) return;
  const how = `dpkg --add-architecture ${arch} && apt-get update`;
  if (!allow)
    throw new UserError(
      `Debian architecture ${arch} is not enabled here: run \`${how}\` or pass --allow-add-arch`,
    );
  onProgress?.(`dpkg --add-architecture ${arch}; apt-get update`);
  runChecked('dpkg', ['--add-architecture', arch]);
  const r = runCapture('apt-get', ['update', '-qq'], { env: aptEnv() });
  if (r.code !== 0) {
    // A failing foreign index makes apt ignore every new index of the suite: undo, say why.
    runCapture('dpkg', ['--remove-architecture', arch]);
    runCapture('apt-get', ['update', '-qq'], { env: aptEnv() });
    throw new UserError(
      `apt-get update failed after adding architecture ${arch} (removed it again): ${r.stderr.trim().split('\n').pop()}`,
    );
  }
}

/**
 * The ABI of a `linux-image-<abi>-<flavour>-dbg` name, or undefined when the
 * name is another flavour's. The ABI is 6.1.0-56, 6.12.107+deb12, 6.12.38+bpo
 * or 6.1.0-0.deb11.17, and no more: flavour amd64 does not take rt-amd64's
 * or cloud-amd64's packages.
 */
export function dbgPackageAbi(name: string, flavour: string): string | undefined {
  const esc = flavour.replace(/[.+]/g, '\\$&');
  // pieces after the version start with a digit (-56, -0.deb11.17) or follow it (+deb12, +bpo)
  const m = new RegExp(`^linux-image-(\\d+\\.\\d+\\.\\d+[^-]*(?:-\\d[^-]*)*)-${esc}-dbg$`).exec(
    name,
  );
  return m?.[1];
}

/** Finds the dbg package: every `linux-image-<abi>-<flavour>-dbg` apt knows, newest (or the pinned version) first. */
export function resolveDebian(req: DebianRequest, onProgress?: ProgressFn): DebianResolved {
  if (!/^[a-z0-9][a-z0-9.+-]*$/.test(req.flavour))
    throw new UserError(`bad flavour '${req.flavour}' (e.g. cloud-amd64, arm64)`);
  const arch = req.arch ?? flavourArch(req.flavour);
  if (!arch)
    throw new UserError(
      `cannot tell the Debian architecture of flavour '${req.flavour}': pass --arch`,
    );
  ensureArchitecture(arch, req.allowAddArch ?? false, onProgress);
  const esc = req.flavour.replace(/[.+]/g, '\\$&');
  const search = runChecked('apt-cache', [
    'search',
    '--names-only',
    `^linux-image-[0-9].*-${esc}-dbg$`,
  ]);
  let names = search
    .split('\n')
    .map((l) => l.split(' - ')[0].trim())
    .filter((n) => dbgPackageAbi(n, req.flavour) !== undefined);
  if (req.series)
    names = names.filter((n) => dbgPackageAbi(n, req.flavour)!.startsWith(`${req.series}.`));
  if (names.length === 0) {
    throw new UserError(
      `no package linux-image-<abi>-${req.flavour}-dbg${req.series ? ` in series ${req.series}` : ''} for ${arch} in the apt indexes (try apt-get update, or check the flavour)`,
    );
  }
  const qualified = names.map((n) => (arch === hostDebArch() ? n : `${n}:${arch}`));
  const stanzas = parseAptShow(runChecked('apt-cache', ['show', ...qualified])).filter(
    (p) => p.architecture === arch,
  );
  let candidates = stanzas;
  if (req.version) candidates = stanzas.filter((p) => p.version === req.version);
  if (candidates.length === 0) {
    const have = [...new Set(stanzas.map((p) => p.version))].sort(compareDebianVersions).join(', ');
    throw new UserError(
      `no linux-image-*-${req.flavour}-dbg package with version ${req.version}; apt has: ${have}`,
    );
  }
  candidates.sort(
    (a, b) => compareDebianVersions(b.version, a.version) || b.package.localeCompare(a.package),
  );
  const dbg = candidates[0];
  const release = dbg.package.replace(/^linux-image-/, '').replace(/-dbg$/, '');
  let image: AptPackage | undefined;
  if (req.image) {
    const name = `linux-image-${release}`;
    const r = runCapture('apt-cache', ['show', arch === hostDebArch() ? name : `${name}:${arch}`]);
    const imgs = r.code === 0 ? parseAptShow(r.stdout).filter((p) => p.architecture === arch) : [];
    image = imgs.find((p) => p.version === dbg.version);
    if (!image)
      throw new UserError(
        `image package ${name} version ${dbg.version} (for the boot image) not found in apt`,
      );
  }
  return { dbg, release, arch, image };
}

function fileSha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

/** Downloads one package into dir with `apt-get download` (reusing a .deb already there if its SHA-256 matches). */
async function download(
  p: AptPackage,
  arch: string,
  dir: string,
  onProgress?: ProgressFn,
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const existing = readdirSync(dir).filter(
    (f) => f.startsWith(`${p.package}_`) && f.endsWith(`_${arch}.deb`),
  );
  for (const f of existing) {
    const path = join(dir, f);
    onProgress?.(`checking ${f}`);
    if (!p.sha256 || (await fileSha256(path)) === p.sha256) return path;
    rmSync(path);
  }
  const tmp = join(dir, 'download.tmp');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  onProgress?.(`apt-get download ${p.package}=${p.version} (${(p.size / 1e6).toFixed(0)} MB)`);
  const spec = `${p.package}:${arch}=${p.version}`;
  const r = spawnSync('apt-get', ['download', spec], { cwd: tmp, encoding: 'utf8', env: aptEnv() });
  if (r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    const why = (r.stderr || r.error?.message || '').trim().split('\n').pop();
    throw new UserError(`apt-get download ${spec} failed: ${why}`);
  }
  const got = readdirSync(tmp).filter((f) => f.endsWith('.deb'));
  if (got.length !== 1)
    throw new UserError(`apt-get download ${spec} left ${got.length} .deb files`);
  const path = join(dir, got[0]);
  renameSync(join(tmp, got[0]), path);
  rmSync(tmp, { recursive: true, force: true });
  return path;
}

/**
 * Extracts members of a .deb into place under dir: `dpkg-deb --fsys-tarfile | tar -x`
 * (members need the leading ./) into a temporary directory, then each member is
 * renamed into place, so a reader never sees half a file.
 */
function extract(deb: string, dir: string, members: string[], wildcards = false): void {
  const tmp = join(dir, `.extract-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const script =
      'set -o pipefail; deb=$1 dir=$2 wc=$3; shift 3; dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" $wc -- "$@"';
    const r = spawnSync(
      'bash',
      ['-c', script, 'extract', deb, tmp, wildcards ? '--wildcards' : '', ...members],
      {
        encoding: 'utf8',
      },
    );
    if (r.status !== 0) {
      const why = r.stderr.trim().split('\n').pop();
      throw new UserError(
        `extracting ${members.join(' ')} failed: ${/No space/.test(r.stderr) ? 'no space left on device' : why}`,
        deb,
      );
    }
    for (const m of members) {
      // a wildcard member (dir/*) moves as its directory
      const rel = m.replace(/^\.\//, '').replace(/\/\*$/, '');
      const to = join(dir, rel);
      mkdirSync(dirname(to), { recursive: true });
      rmSync(to, { recursive: true, force: true });
      renameSync(join(tmp, rel), to);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Debian debug packages. Cache layout, one directory per package and version:
 *   debian/<dbg package>_<version>/<dbg .deb>, <image .deb>,
 *     usr/lib/debug/boot/vmlinux-<release>, usr/lib/debug/lib/modules/<release>/ (on request),
 *     boot/vmlinuz-<release>, boot/config-<release> (with the image package),
 *     done.json: what has been extracted.
 */
export class DebianSource implements KernelSource {
  readonly kind = 'debian' as const;
  constructor(
    readonly req: DebianRequest,
    readonly cache: string,
  ) {}

  dirFor(r: DebianResolved): string {
    return join(this.cache, 'debian', `${r.dbg.package}_${r.dbg.version}`);
  }

  async get(onProgress?: ProgressFn): Promise<Kernel> {
    const r = resolveDebian(this.req, onProgress);
    const dir = this.dirFor(r);
    return withLock(
      dir,
      async () => {
        const state =
          readDone<{ vmlinux?: boolean; modules?: boolean; image?: boolean }>(dir) ?? {};
        const vmlinux = join(dir, 'usr/lib/debug/boot', `vmlinux-${r.release}`);
        const modDir = join(dir, 'usr/lib/debug/lib/modules', r.release);
        const vmlinuz = join(dir, 'boot', `vmlinuz-${r.release}`);
        const config = join(dir, 'boot', `config-${r.release}`);
        // A vmlinux present is complete: it is only ever renamed into place.
        const need = {
          vmlinux: !(existsSync(vmlinux) && statSync(vmlinux).size > 0),
          modules: Boolean(this.req.modules) && !(state.modules && existsSync(modDir)),
          image: Boolean(this.req.image) && !(state.image && existsSync(vmlinuz)),
        };
        if (need.vmlinux || need.modules) {
          const deb = await download(r.dbg, r.arch, dir, onProgress);
          if (need.vmlinux) {
            onProgress?.(`extracting vmlinux-${r.release}`);
            extract(deb, dir, [`./usr/lib/debug/boot/vmlinux-${r.release}`]);
            state.vmlinux = true;
          }
          if (need.modules) {
            onProgress?.(`extracting modules of ${r.release}`);
            extract(deb, dir, [`./usr/lib/debug/lib/modules/${r.release}/*`], true);
            state.modules = true;
          }
          markDone(dir, state);
        }
        if (need.image && r.image) {
          const deb = await download(r.image, r.arch, dir, onProgress);
          onProgress?.(`extracting vmlinuz-${r.release} and config-${r.release}`);
          extract(deb, dir, [`./boot/vmlinuz-${r.release}`, `./boot/config-${r.release}`]);
          state.image = true;
          markDone(dir, state);
        }
        if (!state.vmlinux) markDone(dir, { ...state, vmlinux: true }); // found already extracted
        const haveConfig = existsSync(config);
        return {
          vmlinux,
          modules: this.req.modules ? findFiles(modDir, '.ko') : [],
          bootImage: existsSync(vmlinuz) && this.req.image ? vmlinuz : undefined,
          config: haveConfig ? config : undefined,
          metadata: describeKernel(vmlinux, {
            config: haveConfig ? config : undefined,
            configName: `debian-${this.req.flavour}`,
          }),
          provenance: {
            kind: 'debian',
            package: r.dbg.package,
            version: r.dbg.version,
            arch: r.arch,
            imagePackage: r.image ? `${r.image.package}=${r.image.version}` : undefined,
          },
        };
      },
      (pid) => onProgress?.(`waiting for pid ${pid}, which is fetching ${r.dbg.package}`),
    );
  }
}

/** The cached Debian packages: one entry per directory with a done marker. */
export function listDebianCache(
  cache: string,
): { dir: string; package: string; version: string }[] {
  const root = join(cache, 'debian');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => isDone(join(root, d)))
    .map((d) => {
      const i = d.lastIndexOf('_');
      return { dir: join(root, d), package: d.slice(0, i), version: d.slice(i + 1) };
    });
}
