/**
 * A multilayer perceptron held as plain typed arrays: dense layers with ReLU between them and
 * softmax at the end, the same graph dense-onnx.ts writes, so what we evaluate here is what
 * onnxruntime will run.
 */
import type { Random } from './prng.ts';
import { dot } from './vector.ts';

export interface DenseLayer {
  inputs: number;
  outputs: number;
  /** Row-major [outputs, inputs]: one contiguous row per unit, which keeps the loops sequential. */
  weights: Float32Array;
  bias: Float32Array;
}

/** He-initialised layers for the given widths, e.g. [256, 128, 64, 10]. */
export function createMlp(widths: readonly number[], random: Random): DenseLayer[] {
  const layers: DenseLayer[] = [];
  for (let k = 1; k < widths.length; k++) {
    const inputs = widths[k - 1]!;
    const outputs = widths[k]!;
    const scale = Math.sqrt(2 / inputs);
    const weights = Float32Array.from({ length: inputs * outputs }, () => random.gaussian() * scale);
    layers.push({ inputs, outputs, weights, bias: new Float32Array(outputs) });
  }
  return layers;
}

/**
 * Runs one sample through the network. `activations[k]` receives layer k's output (after ReLU,
 * or softmax for the last layer); training reuses them for the backward pass.
 */
export function forward(layers: readonly DenseLayer[], input: Float32Array, activations: Float32Array[]): Float32Array {
  let x = input;
  layers.forEach((layer, k) => {
    const out = activations[k]!;
    const { inputs, outputs, weights, bias } = layer;
    const isLast = k === layers.length - 1;
    for (let o = 0; o < outputs; o++) {
      const sum = bias[o]! + dot(weights, o * inputs, x, inputs);
      out[o] = isLast || sum > 0 ? sum : 0;
    }
    if (isLast) softmaxInPlace(out);
    x = out;
  });
  return x;
}

/** Scratch buffers for `forward`, one per layer. */
export function createActivations(layers: readonly DenseLayer[]): Float32Array[] {
  return layers.map((layer) => new Float32Array(layer.outputs));
}

/** Fraction of samples whose most probable class is their label. */
export function accuracy(layers: readonly DenseLayer[], inputs: Float32Array, labels: readonly number[]): number {
  const width = layers[0]!.inputs;
  const activations = createActivations(layers);
  let correct = 0;
  labels.forEach((label, n) => {
    const probabilities = forward(layers, inputs.subarray(n * width, (n + 1) * width), activations);
    if (argmax(probabilities) === label) correct++;
  });
  return correct / labels.length;
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

function softmaxInPlace(values: Float32Array): void {
  let max = -Infinity;
  for (const value of values) max = Math.max(max, value);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] = Math.exp(values[i]! - max);
  for (let i = 0; i < values.length; i++) values[i]! /= sum;
}
