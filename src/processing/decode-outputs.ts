/** Output tensors decoded as model.json `postprocessing` says, row by row: text boxes, text, or the best class. */
import type { Tensor } from '../runtime/tensor.ts';
import { ctcGreedy, type DecodedText } from './ctc.ts';
import { type TextBox, type TextBoxOptions, textBoxes } from './text-boxes.ts';

export interface ClassScore {
  index: number;
  /** The class's name from labels.txt, else its index. */
  label: string;
  score: number;
}

function floats(tensor: Tensor): Float32Array | Float64Array {
  if (tensor.data instanceof Float32Array || tensor.data instanceof Float64Array) return tensor.data;
  throw new TypeError(`postprocessing decodes FP32 or FP64 outputs, not ${tensor.dataType}`);
}

/** Each row's text boxes, in the map's pixels, in reading order: the map is [rows, 1, H, W] or [rows, H, W]. */
export function boxesOf(tensor: Tensor, options: TextBoxOptions): TextBox[][] {
  const data = floats(tensor);
  const [rows = 0] = tensor.shape;
  const [height = 0, width = 0] = tensor.shape.slice(-2);
  const plane = height * width;
  return Array.from({ length: rows }, (_, row) => textBoxes(data.subarray(row * plane, (row + 1) * plane), width, height, options));
}

/** Each row's text, from CTC class probabilities [rows, steps, classes]: class 0 is the blank, class i is characters[i − 1]. */
export function textsOf(tensor: Tensor, characters: readonly string[]): DecodedText[] {
  const data = floats(tensor);
  const [rows = 0, steps = 0, classes = 0] = tensor.shape;
  return Array.from({ length: rows }, (_, row) => ctcGreedy(data, steps, classes, characters, row * steps * classes));
}

/** Each row's best class of [rows, classes], its score a probability when `softmax` (the row holds logits). */
export function classesOf(tensor: Tensor, labels: readonly string[] | null, softmax: boolean): ClassScore[] {
  const data = floats(tensor);
  const [rows = 0, classes = 0] = tensor.shape;
  return Array.from({ length: rows }, (_, row) => {
    const scores = data.subarray(row * classes, (row + 1) * classes);
    let best = 0;
    for (let index = 1; index < classes; index++) if (scores[index]! > scores[best]!) best = index;
    let score = scores[best]!;
    if (softmax) {
      let total = 0;
      for (const value of scores) total += Math.exp(value - scores[best]!);
      score = 1 / total;
    }
    return { index: best, label: labels?.[best] ?? String(best), score };
  });
}
