/**
 * Minibatch Adam on softmax cross-entropy, in plain JavaScript: no native training library is
 * installed, and a net of ~40k weights trains on one core in seconds.
 */
import { createActivations, type DenseLayer, forward } from './mlp.ts';
import type { Random } from './prng.ts';
import { axpy } from './vector.ts';

export interface TrainOptions {
  /** count × layers[0].inputs values. */
  inputs: Float32Array;
  labels: readonly number[];
  random: Random;
  /** @default 8 */
  epochs?: number;
  /** @default 32 */
  batchSize?: number;
  /** Peak Adam step size, decayed along a cosine to zero by the last step. @default 0.002 */
  learningRate?: number;
  /** Called after each epoch, with the mean training loss. */
  onEpoch?: (epoch: number, loss: number) => void;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

export function trainMlp(layers: DenseLayer[], options: TrainOptions): void {
  const { inputs, labels, random, epochs = 8, batchSize = 32, learningRate = 0.002, onEpoch } = options;
  const width = layers[0]!.inputs;
  const count = labels.length;
  const activations = createActivations(layers);
  // Per layer: error signal at its output, then gradient and Adam moments of each parameter.
  const deltas = layers.map((layer) => new Float32Array(layer.outputs));
  const slots = layers.map((layer) => ({
    weights: createSlot(layer.weights.length),
    bias: createSlot(layer.bias.length),
  }));
  const order = Int32Array.from({ length: count }, (_, n) => n);
  const totalSteps = epochs * Math.ceil(count / batchSize);
  let step = 0;

  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffle(order, random);
    let loss = 0;
    for (let start = 0; start < count; start += batchSize) {
      const end = Math.min(count, start + batchSize);
      for (let b = start; b < end; b++) {
        const n = order[b]!;
        const input = inputs.subarray(n * width, (n + 1) * width);
        loss -= Math.log(Math.max(1e-12, forward(layers, input, activations)[labels[n]!]!));
        backward(layers, input, labels[n]!, activations, deltas, slots);
      }
      step++;
      // The slots hold the batch's summed gradient; Adam divides by its own scale, so no mean.
      const rate = learningRate * 0.5 * (1 + Math.cos((Math.PI * step) / totalSteps));
      layers.forEach((layer, k) => {
        adamStep(layer.weights, slots[k]!.weights, rate, step);
        adamStep(layer.bias, slots[k]!.bias, rate, step);
      });
    }
    onEpoch?.(epoch, loss / count);
  }
}

// Float64 because the moments of rarely active weights decay geometrically towards zero, and
// storing float32 subnormals is slow on x86 (a microcode assist per store).
interface Slot {
  gradient: Float64Array;
  mean: Float64Array;
  variance: Float64Array;
}

function createSlot(length: number): Slot {
  return { gradient: new Float64Array(length), mean: new Float64Array(length), variance: new Float64Array(length) };
}

/** Adds one sample's gradients to the slots. */
function backward(
  layers: readonly DenseLayer[],
  input: Float32Array,
  label: number,
  activations: readonly Float32Array[],
  deltas: readonly Float32Array[],
  slots: readonly { weights: Slot; bias: Slot }[],
): void {
  const lastIndex = layers.length - 1;
  // Softmax with cross-entropy: the error at the logits is probabilities minus one-hot.
  const last = deltas[lastIndex]!;
  last.set(activations[lastIndex]!);
  last[label]! -= 1;

  for (let k = lastIndex; k >= 0; k--) {
    const { inputs, outputs, weights } = layers[k]!;
    const delta = deltas[k]!;
    const x = k === 0 ? input : activations[k - 1]!;
    const gradW = slots[k]!.weights.gradient;
    const gradB = slots[k]!.bias.gradient;
    const below = k > 0 ? deltas[k - 1]! : null;
    below?.fill(0);
    for (let o = 0; o < outputs; o++) {
      const d = delta[o]!;
      if (d === 0) continue;
      gradB[o]! += d;
      axpy(gradW, o * inputs, d, x, 0, inputs);
      if (below) axpy(below, 0, d, weights, o * inputs, inputs);
    }
    // ReLU passes the error only where the unit was active.
    if (below) for (let i = 0; i < inputs; i++) if (x[i]! <= 0) below[i] = 0;
  }
}

function adamStep(params: Float32Array, slot: Slot, rate: number, step: number): void {
  const { gradient, mean, variance } = slot;
  // Bias corrections folded into the step size, as in the Adam paper's section 2.
  const size = (rate * Math.sqrt(1 - BETA2 ** step)) / (1 - BETA1 ** step);
  for (let i = 0; i < params.length; i++) {
    const g = gradient[i]!;
    const m = BETA1 * mean[i]! + (1 - BETA1) * g;
    const v = BETA2 * variance[i]! + (1 - BETA2) * g * g;
    mean[i] = m;
    variance[i] = v;
    params[i]! -= (size * m) / (Math.sqrt(v) + EPSILON);
  }
  gradient.fill(0);
}

function shuffle(order: Int32Array, random: Random): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
}
