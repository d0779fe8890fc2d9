/**
 * A kernel to measure, however it was obtained: a local build, a Debian debug
 * package or a build from source. Every source yields the same `Kernel`.
 */

/** Where a kernel came from, precise enough to get the same bytes again. */
export type Provenance =
  | { kind: 'path'; path: string }
  | { kind: 'debian'; package: string; version: string; arch: string; imagePackage?: string }
  | {
      kind: 'build';
      source: 'tarball' | 'git';
      /** Tarball path, or git repository path/URL. */
      origin: string;
      /** Debian package version of the tarball, or the git commit. */
      ref: string;
      commit?: string;
      patches: string[];
      recipe: string;
      jobKey: string;
    }
  | {
      kind: 'tuxmake';
      /** The TuxMake or TuxSuite output folder. */
      dir: string;
      /** From its metadata.json: build.target_arch, build.toolchain, build.kconfig + build.kconfig_add. */
      targetArch: string;
      toolchain: string;
      kconfig: string[];
      /** git.git_describe or git.git_commit, when the build recorded them. */
      git?: string;
    };

export interface KernelMetadata {
  /** Our arch name (x86_64, arm64, ppc64, ...), from the ELF header. */
  arch: string;
  /** The kernel's ARCH= value (x86, arm64, powerpc, ...). */
  kernelArch: string;
  bits: 32 | 64;
  endianness: 'little' | 'big';
  /** e.g. 6.12.117 or 6.1.0-56-cloud-amd64; undefined when nothing says. */
  kernelVersion?: string;
  /** A recipe name, a Debian flavour, or the .config file name. */
  configName?: string;
  /** SHA-256 of the .config, when there is one. */
  configHash?: string;
  /** e.g. gcc / clang. */
  compiler?: string;
  compilerVersion?: string;
  /** The full compiler line (CONFIG_CC_VERSION_TEXT or .comment). */
  compilerText?: string;
  /** DWARF version of the first compile unit; undefined without .debug_info. */
  dwarfVersion?: number;
}

export interface Kernel {
  vmlinux: string;
  /** Loadable modules (.ko), when asked for and present. */
  modules: string[];
  /** bzImage, Image, Image.gz, zImage or vmlinuz. */
  bootImage?: string;
  config?: string;
  metadata: KernelMetadata;
  provenance: Provenance;
  /**
   * The build's own roots, as kbuild exports them to the newest generator
   * (objtree, then srctree): a build directory's and its source's. None for
   * a bare vmlinux or a distribution kernel.
   */
  buildRoots?: string[];
}

/**
 * Progress reports from long steps: a short line, for a status line or a
 * log. A build also gives its `step` apart: the text without the build's
 * label and time (`build: CC kernel/fork.o`), for a status line that shows
 * those itself; without it the step is the text.
 */
export type ProgressFn = (text: string, step?: string) => void;

/** One way of getting kernels. */
export interface KernelSource {
  readonly kind: 'local' | 'debian' | 'build' | 'tuxmake';
  /** Obtains (downloads, extracts, builds, or just finds) the kernel and describes it. */
  get(onProgress?: ProgressFn): Promise<Kernel>;
}
