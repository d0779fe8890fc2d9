/** A copy of `a` with room for more: typed arrays do not grow in place. */
export function grownU32(a: Uint32Array, factor = 1.5): Uint32Array {
  const b = new Uint32Array(Math.ceil(a.length * factor) + 1);
  b.set(a);
  return b;
}
