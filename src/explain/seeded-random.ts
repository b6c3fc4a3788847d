/**
 * A seeded source of uniform numbers in [0, 1), so that the same seed samples the same coalitions. mulberry32,
 * the generator's own choice (streaming/generation/sampler.ts), written again here: explain may not import
 * streaming/, Node has no seeded generator, and pure-rand is only a dependency of a dev tool.
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
