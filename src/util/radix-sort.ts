/**
 * Sorts entries by several unsigned integer keys with an LSD radix sort over a
 * permutation: millions of (offset, file, line) triples sort in a few passes
 * without one object per entry. Keys are given most significant first.
 * Returns the permutation (indices in sorted order). Stable.
 */
export function radixSortIndices(count: number, keys: ArrayLike<number>[]): Uint32Array {
  let idx = new Uint32Array(count);
  for (let i = 0; i < count; i++) idx[i] = i;
  let tmp = new Uint32Array(count);
  const counts = new Uint32Array(65537);
  // Least significant key first; each key in two 16-bit digits.
  for (let k = keys.length - 1; k >= 0; k--) {
    const key = keys[k];
    for (let shift = 0; shift <= 16; shift += 16) {
      counts.fill(0);
      let first = -1;
      let constant = true;
      for (let i = 0; i < count; i++) {
        const d = shift === 0 ? key[i] & 0xffff : (key[i] >>> 16) & 0xffff;
        if (first < 0) first = d;
        else if (d !== first) constant = false;
        counts[d + 1]++;
      }
      if (constant) continue; // a digit that is the same everywhere does not reorder
      for (let d = 0; d < 65536; d++) counts[d + 1] += counts[d];
      for (let i = 0; i < count; i++) {
        const j = idx[i];
        const d = shift === 0 ? key[j] & 0xffff : (key[j] >>> 16) & 0xffff;
        tmp[counts[d]++] = j;
      }
      const t = idx;
      idx = tmp;
      tmp = t;
    }
  }
  return idx;
}
