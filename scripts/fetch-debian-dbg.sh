#!/usr/bin/env bash
# Fetches one Debian debug kernel package and extracts only its vmlinux into
# the cache (outside the repository); prints the vmlinux path. Reuses the cache.
#   scripts/fetch-debian-dbg.sh linux-image-6.1.0-56-cloud-amd64-dbg 6.1.192-2
set -euo pipefail
pkg=$1 ver=$2
cache=${LINEINFO_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lineinfo-bench}
dir="$cache/debian/${pkg}_${ver}"
abi=${pkg#linux-image-}; abi=${abi%-dbg}
member="./usr/lib/debug/boot/vmlinux-$abi"
out="$dir/${member#./}"
if [[ -s "$out" ]]; then echo "$out"; exit 0; fi
mkdir -p "$dir"
deb=$(ls "$dir"/"${pkg}_${ver}"_*.deb 2>/dev/null | head -n1 || true)
if [[ -z "$deb" ]]; then
  (cd "$dir" && apt-get download -q "$pkg=$ver" >&2) || {
    echo "error: $pkg=$ver: apt-get download failed (run apt-get update? is the version still in the archive?)" >&2
    exit 2
  }
  deb=$(ls "$dir"/"${pkg}_${ver}"_*.deb | head -n1)
fi
tmp="$dir/.extract-$$"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" "$member"
mkdir -p "$(dirname "$out")"
mv "$tmp/${member#./}" "$out"
echo "$out"
