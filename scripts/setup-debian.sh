#!/usr/bin/env bash
# Installs the Debian packages lineinfo-bench and its tests use.
# Idempotent: skips apt entirely when everything is already there.
#   scripts/setup-debian.sh            tools for the main job and the tests
#   scripts/setup-debian.sh --cross    also the cross compilers the tests use
set -euo pipefail

pkgs=(build-essential patch clang llvm elfutils libdw-dev binutils zstd xz-utils time lz4 bzip2 chromium
      ca-certificates)
# kernel builds (src/kernels, test/kernels): the 6.12 source tarball and its build deps
pkgs+=(linux-source-6.12 linux-source-6.1 flex bison bc libssl-dev libelf-dev cpio kmod rsync git
       python3 dpkg-dev lld)
if [[ "${1:-}" == "--cross" ]]; then
  # one 32-bit (i686), one big-endian (s390x), one 32-bit big-endian (powerpc)
  pkgs+=(gcc-i686-linux-gnu gcc-s390x-linux-gnu gcc-powerpc-linux-gnu
         gcc-aarch64-linux-gnu binutils-i686-linux-gnu binutils-s390x-linux-gnu
         # .ko-like objects for the relocation tests (test/helpers/ko-objects.ts)
         gcc-arm-linux-gnueabihf gcc-riscv64-linux-gnu gcc-powerpc64le-linux-gnu)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "setup-debian: all ${#pkgs[@]} packages present"
  exit 0
fi
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "setup-debian: installing ${missing[*]}"
# A foreign architecture whose index fails makes update exit non-zero; the
# native indexes are still usable, so go on and let install decide.
$sudo apt-get update -qq || echo "setup-debian: apt-get update reported errors, trying install anyway" >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/lineinfo-bench-apt.log 2>&1 || {
  tail -n 20 /tmp/lineinfo-bench-apt.log >&2
  echo "setup-debian: apt-get install failed (full log: /tmp/lineinfo-bench-apt.log)" >&2
  exit 2
}
echo "setup-debian: installed ${#missing[@]} packages"
