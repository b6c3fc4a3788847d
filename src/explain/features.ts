/** The features explain attributes to: single elements, or square patches of an image-shaped input. */

/**
 * The features of one row of an input, each as the row-major element indices it covers. A row of rank 2 or more
 * is an image: its last two dims are height and width, and a feature is a `patchSize` × `patchSize` square of
 * them across every leading dim (the channels), so that occluding it blanks one spot of the picture. A row of rank
 * 1 is cut into runs of `patchSize` elements; a scalar is one feature. Edge patches are smaller when the size does
 * not divide the dims.
 */
export function featuresOf(rowShape: readonly number[], patchSize: number): number[][] {
  const { leading, height, width } = gridOf(rowShape);
  const features: number[][] = [];
  for (let top = 0; top < height; top += patchSize) {
    for (let left = 0; left < width; left += patchSize) {
      const indices: number[] = [];
      for (let channel = 0; channel < leading; channel++) {
        for (let y = top; y < Math.min(top + patchSize, height); y++) {
          for (let x = left; x < Math.min(left + patchSize, width); x++) indices.push((channel * height + y) * width + x);
        }
      }
      features.push(indices);
    }
  }
  return features;
}

/** How many features `featuresOf` cuts a row of `rowShape` into, without listing them. */
export function countFeatures(rowShape: readonly number[], patchSize: number): number {
  const { height, width } = gridOf(rowShape);
  return Math.ceil(height / patchSize) * Math.ceil(width / patchSize);
}

function gridOf(rowShape: readonly number[]): { leading: number; height: number; width: number } {
  const rank = rowShape.length;
  if (rank === 0) return { leading: 1, height: 1, width: 1 };
  if (rank === 1) return { leading: 1, height: 1, width: rowShape[0]! };
  const leading = rowShape.slice(0, -2).reduce((count, dim) => count * dim, 1);
  return { leading, height: rowShape[rank - 2]!, width: rowShape[rank - 1]! };
}
