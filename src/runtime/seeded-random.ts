/**
 * A seeded source of uniform numbers in [0, 1) (Mulberry32: small and fast), so that the same seed gives the same
 * draws: generation's sampling and explain's coalitions both use it. Written here because Node has no seeded
 * generator and pure-rand is only a dependency of a dev tool; in runtime/, the layer both may import.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
