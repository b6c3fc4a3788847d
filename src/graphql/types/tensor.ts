/** Tensor types on the wire: DataType, TensorSpec, TensorInput and the output Tensor with data, base64 and topK. */
import type { EnumRef } from '@pothos/core';
import { encodeBytes, encodeJson, toBase64 } from '../../runtime/codec.ts';
import { DATA_TYPES, type DataType as DataTypeName, type Tensor } from '../../runtime/tensor.ts';
import type { TensorSpec } from '../../runtime/tensor-spec.ts';
import type { Builder, SchemaTypes } from '../builder.ts';

/** An output tensor as resolvers see it: its labels come along when the model has them. */
export interface OutputTensor {
  name: string;
  tensor: Tensor;
  labels: string[] | null;
}

interface LabelScore {
  index: number;
  label: string;
  score: number;
}

export function addTensorTypes(builder: Builder) {
  const DataType: EnumRef<SchemaTypes, DataTypeName> = builder.enumType('DataType', {
    description: 'Element types, by their KServe v2 names.',
    values: DATA_TYPES,
  });

  const TensorSpecRef = builder.objectRef<TensorSpec>('TensorSpec').implement({
    description: 'An input or output of a model. Dynamic dims are -1, their ONNX names in dimNames.',
    fields: (t) => ({
      name: t.exposeString('name'),
      dataType: t.field({ type: DataType, resolve: (spec) => spec.dataType }),
      shape: t.exposeIntList('shape'),
      dimNames: t.field({ type: ['String'], nullable: { list: false, items: true }, resolve: (spec) => spec.dimNames }),
    }),
  });

  const LabelScoreRef = builder.objectRef<LabelScore>('LabelScore').implement({
    fields: (t) => ({
      index: t.exposeInt('index'),
      label: t.exposeString('label'),
      score: t.exposeFloat('score'),
    }),
  });

  const TensorRef = builder.objectRef<OutputTensor>('Tensor').implement({
    description: 'An output tensor. data and base64 are computed only when selected.',
    fields: (t) => ({
      name: t.exposeString('name'),
      dataType: t.field({ type: DataType, resolve: ({ tensor }) => tensor.dataType }),
      shape: t.intList({ resolve: ({ tensor }) => [...tensor.shape] }),
      data: t.field({ type: 'TensorData', resolve: ({ tensor }) => encodeJson(tensor) }),
      base64: t.string({ description: 'The raw little-endian bytes.', resolve: ({ tensor }) => toBase64(encodeBytes(tensor)) }),
      topK: t.field({
        type: t.listRef(t.listRef(LabelScoreRef)),
        nullable: true,
        description:
          'For a classifier with labels: the k best classes of each row, best first. Null when the model has no labels ' +
          'or this output is not [rows, classes].',
        args: { k: t.arg.int({ defaultValue: 5, required: true }) },
        resolve: ({ tensor, labels }, { k }) => topK(tensor, labels, k),
      }),
    }),
  });

  return { DataType, TensorSpecRef, TensorRef };
}

function topK(tensor: Tensor, labels: string[] | null, k: number): LabelScore[][] | null {
  const [rows, classes] = tensor.shape;
  if (!labels || tensor.shape.length !== 2 || classes !== labels.length || tensor.dataType === 'STRING') return null;
  const scores = encodeJson(tensor).map(Number);
  return Array.from({ length: rows! }, (_, row) =>
    labels
      .map((label, index) => ({ index, label, score: scores[row * classes + index]! }))
      .sort((a, b) => b.score - a.score)
      .slice(0, Math.max(0, k)),
  );
}
