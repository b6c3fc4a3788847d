/** The class scores explain reads: which output holds them, and each row's scores in a batch's output. */
import { InferError } from '../errors.ts';
import { halfBitsToFloat } from '../runtime/fp16.ts';
import { formatShape, type Tensor } from '../runtime/tensor.ts';
import type { ModelSignature } from '../runtime/tensor-spec.ts';

/**
 * The output whose scores are explained: the one named, else the model's first. It must be a classifier's: one
 * score per class for each row, so its shape without the batch dim (and dims fixed at 1) must be a single dim.
 */
export function scoresOutput(
  label: string,
  signature: ModelSignature,
  name: string | null | undefined,
  batchAxis: (name: string) => number | null,
): string {
  const spec = name === null || name === undefined ? signature.outputs[0] : signature.outputs.find((output) => output.name === name);
  if (!spec) {
    const known = signature.outputs.map((output) => `"${output.name}"`).join(', ') || 'none';
    throw new InferError('INVALID_ARGUMENT', `${label} has no output "${name}" to explain (outputs: ${known})`, {
      details: { tensor: name },
    });
  }
  const axis = batchAxis(spec.name);
  const perRow = spec.shape.filter((dim, index) => index !== axis && dim !== 1);
  if (perRow.length !== 1 || spec.dataType === 'STRING' || spec.dataType === 'BOOL') {
    throw new InferError(
      'INVALID_ARGUMENT',
      `output "${spec.name}" of ${label} is ${spec.dataType} ${formatShape(spec.shape)}, not a classifier's scores: ` +
        'explain needs a number per class for each row, [N,classes]',
      { details: { tensor: spec.name } },
    );
  }
  return spec.name;
}

/** The scores of row `row` of `rows` in an output whose batch dim is `axis` (null: the whole tensor is the one row). */
export function rowScores(tensor: Tensor, axis: number | null, rows: number, row: number): Float64Array {
  const total = tensor.data.length;
  const outer = axis === null ? 1 : tensor.shape.slice(0, axis).reduce((count, dim) => count * dim, 1);
  const inner = axis === null ? total : total / outer / rows;
  const scores = new Float64Array(outer * inner);
  for (let block = 0; block < outer; block++) {
    const start = (block * rows + (axis === null ? 0 : row)) * inner;
    for (let i = 0; i < inner; i++) scores[block * inner + i] = numberAt(tensor, start + i);
  }
  return scores;
}

function numberAt({ dataType, data }: Tensor, index: number): number {
  const value = data[index]!;
  if (dataType === 'FP16') return halfBitsToFloat(value as number);
  return Number(value);
}
