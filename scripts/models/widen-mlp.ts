/**
 * Function-preserving widening (Net2WiderNet, Chen et al. 2016): every hidden unit becomes k
 * identical copies, and the layer above reads each copy at 1/k of the original weight, so the
 * wider net computes exactly what the trained one did.
 *
 * Why: a net wide enough that one row costs about as much as reading its weights is what makes
 * batching pay, but training 2048-unit layers in plain JavaScript would take minutes. We train
 * a narrow net in seconds and serve its widened twin. Copy counts should be powers of two, so
 * the 1/k scaling is exact in float32 and only summation order differs (~1e-7).
 */
import type { DenseLayer } from './mlp.ts';

/** `hiddenWidths[k]` must be a multiple of layer k's outputs; the output layer keeps its width. */
export function widenMlp(layers: readonly DenseLayer[], hiddenWidths: readonly number[]): DenseLayer[] {
  if (hiddenWidths.length !== layers.length - 1) {
    throw new Error(`widenMlp: expected ${layers.length - 1} hidden widths, got ${hiddenWidths.length}`);
  }
  let inputCopies = 1;
  return layers.map((layer, k) => {
    const outputs = hiddenWidths[k] ?? layer.outputs;
    const outputCopies = outputs / layer.outputs;
    if (!Number.isInteger(outputCopies)) {
      throw new Error(`widenMlp: layer ${k} has ${layer.outputs} units, which do not divide ${outputs}`);
    }
    const inputs = layer.inputs * inputCopies;
    const weights = new Float32Array(outputs * inputs);
    const bias = new Float32Array(outputs);
    for (let o = 0; o < outputs; o++) {
      const source = Math.floor(o / outputCopies);
      bias[o] = layer.bias[source]!;
      for (let i = 0; i < inputs; i++) {
        weights[o * inputs + i] = layer.weights[source * layer.inputs + Math.floor(i / inputCopies)]! / inputCopies;
      }
    }
    inputCopies = outputCopies;
    return { inputs, outputs, weights, bias };
  });
}
