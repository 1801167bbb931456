/**
 * A typed array grown to a larger one of the same kind with the old values at the front: how the
 * tables kept as parallel typed-array columns (packet watches, key tables) grow, one column at a
 * time. `b` is the new, larger array (its kind and length chosen by the caller); it is returned.
 */
export function widen<A extends Uint8Array | Uint16Array | Int32Array | Uint32Array | Float64Array>(a: A, b: A): A {
  b.set(a);
  return b;
}
