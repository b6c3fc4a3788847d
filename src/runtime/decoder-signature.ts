/** Whether a model is a decoder generation can drive, and where its cache inputs and outputs are. */
import type { DataType } from './tensor.ts';
import type { ModelSignature } from './tensor-spec.ts';

/** One layer's cache: the inputs it reads the past from and the outputs it writes the present to. */
export interface CacheLayer {
  pastKey: string;
  pastValue: string;
  presentKey: string;
  presentValue: string;
}

/**
 * A decoder in the signature Hugging Face Optimum exports GPT-2/Llama-style models with:
 * `input_ids`, `attention_mask`, optional `position_ids` and `past_key_values.N.key/value`
 * → `logits` and `present.N.key/value`.
 */
export interface DecoderSignature {
  attentionMask: boolean;
  positionIds: boolean;
  /** Empty for a decoder exported without a KV cache: each step then re-runs the whole sequence. */
  layers: CacheLayer[];
  /** [heads, headDim] of every cache tensor. */
  heads: number;
  headDim: number;
  cacheDataType: DataType;
  vocabularySize: number | null;
}

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;

/** The decoder this model is, or a sentence saying why it is none. */
export function readDecoderSignature({ inputs, outputs }: ModelSignature): DecoderSignature | string {
  const input = new Map(inputs.map((spec) => [spec.name, spec]));
  const output = new Map(outputs.map((spec) => [spec.name, spec]));
  if (input.get('input_ids')?.dataType !== 'INT64') return 'it has no INT64 input "input_ids"';
  const logits = output.get('logits');
  if (logits?.shape.length !== 3) return 'it has no output "logits" of shape [batch, sequence, vocabulary]';

  const layerCount = inputs.filter((spec) => PAST.test(spec.name)).length / 2;
  const layers: CacheLayer[] = [];
  for (let index = 0; index < layerCount; index++) {
    const layer = {
      pastKey: `past_key_values.${index}.key`,
      pastValue: `past_key_values.${index}.value`,
      presentKey: `present.${index}.key`,
      presentValue: `present.${index}.value`,
    };
    if (!input.has(layer.pastKey) || !input.has(layer.pastValue)) return `its past_key_values inputs skip layer ${index}`;
    if (!output.has(layer.presentKey) || !output.has(layer.presentValue))
      return `it has no output "${layer.presentKey}"/"${layer.presentValue}"`;
    layers.push(layer);
  }
  const cache = layers[0] ? input.get(layers[0].pastKey)! : null;
  const [, heads = -1, , headDim = -1] = cache?.shape ?? [];
  if (cache && (cache.shape.length !== 4 || heads < 1 || headDim < 1)) {
    return `its cache input "${cache.name}" is not [batch, heads, past, headDim] with fixed heads and headDim`;
  }
  const known = new Set(['input_ids', 'attention_mask', 'position_ids', ...layers.flatMap((layer) => [layer.pastKey, layer.pastValue])]);
  const unknown = inputs.find((spec) => !known.has(spec.name));
  if (unknown) return `it has an input "${unknown.name}" a decoder does not take`;
  return {
    attentionMask: input.has('attention_mask'),
    positionIds: input.has('position_ids'),
    layers,
    heads: cache ? heads : 0,
    headDim: cache ? headDim : 0,
    cacheDataType: cache?.dataType ?? 'FP32',
    vocabularySize: logits.shape[2] === -1 ? null : (logits.shape[2] ?? null),
  };
}
