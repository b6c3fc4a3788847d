/**
 * Text generation for one prompt with a KV-cache decoder of Optimum's signature: the whole prompt
 * in one run, then one token per run with the previous run's present as past. For the build's
 * smoke test and for tests; the server batches streams itself.
 */
import ort from 'onnxruntime-node';

export interface GenerateOptions {
  prompt: readonly number[];
  maxNewTokens: number;
  /** Generation stops after this id. */
  eosId: number;
  /** Picks the next id from the logits of the last position. @default argmax */
  pick?: (logits: Float32Array) => number;
}

export async function generate(
  session: ort.InferenceSession,
  { prompt, maxNewTokens, eosId, pick = argmax }: GenerateOptions,
): Promise<number[]> {
  const [numHeads, headDim] = cacheDims(session);
  const layers = session.inputNames.filter((name) => /^past_key_values\.\d+\.key$/.test(name)).length;
  let past: Record<string, ort.Tensor> = {};
  for (let layer = 0; layer < layers; layer++) {
    for (const part of ['key', 'value'])
      past[`past_key_values.${layer}.${part}`] = new ort.Tensor('float32', new Float32Array(0), [1, numHeads, 0, headDim]);
  }
  const generated: number[] = [];
  let fresh = [...prompt];
  let length = 0;
  while (generated.length < maxNewTokens) {
    const ids = (values: readonly number[]): ort.Tensor => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);
    const outputs = await session.run({
      input_ids: ids(fresh),
      attention_mask: ids(new Array<number>(length + fresh.length).fill(1)),
      position_ids: ids(fresh.map((_, i) => length + i)),
      ...past,
    });
    const logits = outputs.logits!;
    const vocabSize = logits.dims[2]!;
    const next = pick((logits.data as Float32Array).subarray((fresh.length - 1) * vocabSize, fresh.length * vocabSize));
    generated.push(next);
    if (next === eosId) break;
    length += fresh.length;
    fresh = [next];
    past = Object.fromEntries(Object.keys(past).map((name) => [name, outputs[name.replace('past_key_values', 'present')]!]));
  }
  return generated;
}

export function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

function cacheDims(session: ort.InferenceSession): [number, number] {
  const metadata = session.inputMetadata.find((input) => input.name === 'past_key_values.0.key');
  const [, heads, , dim] = metadata?.isTensor ? metadata.shape : [];
  if (typeof heads !== 'number' || typeof dim !== 'number')
    throw new Error('the model has no past_key_values.0.key [batch, heads, past, dim] input');
  return [heads, dim];
}
