/** Tensor types on the wire: DataType, TensorSpec, TensorInput and the output Tensor with data, base64 and topK. */
import type { EnumRef } from '@pothos/core';
import type { ImageScale } from '../../batching/image-inputs.ts';
import type { DecodedText } from '../../processing/ctc.ts';
import { boxesOf, classesOf, textsOf } from '../../processing/decode-outputs.ts';
import { readingOrder } from '../../processing/reading-order.ts';
import { type Point, scaleBox, type TextBox } from '../../processing/text-boxes.ts';
import type { OutputDecoding } from '../../registry/output-decoding.ts';
import { encodeBytes, encodeJson, toBase64 } from '../../runtime/codec.ts';
import { DATA_TYPES, type DataType as DataTypeName, type Tensor } from '../../runtime/tensor.ts';
import type { TensorSpec } from '../../runtime/tensor-spec.ts';
import type { Builder, SchemaTypes } from '../builder.ts';

/** An output tensor as resolvers see it: its labels come along when the model has them, its decoding when model.json declares one. */
export interface OutputTensor {
  name: string;
  tensor: Tensor;
  labels: string[] | null;
  decoding?: OutputDecoding | null;
  /** When the request sent an image: its scale over the tensor's, so that boxes come back in the image's pixels. */
  imageScale?: ImageScale | null | undefined;
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

  const ImageInput = builder.inputType('ImageInput', {
    description:
      "An encoded image (PNG, JPEG or WebP): for the input a model's preprocessing fills (ModelVersion.preprocessing), or for a " +
      'pipeline. Give base64 or file.',
    fields: (t) => ({
      base64: t.string({ description: 'The image file, base64-encoded.' }),
      file: t.field({ type: 'File', description: 'The image file as a binary part of a multipart request.' }),
    }),
  });

  const PointRef = builder.objectRef<Point>('Point').implement({
    description: 'A point in pixels, x to the right and y down from the top-left corner.',
    fields: (t) => ({ x: t.float({ resolve: ([x]) => x }), y: t.float({ resolve: ([, y]) => y }) }),
  });

  const TextBoxRef = builder.objectRef<TextBox>('TextBox').implement({
    description: 'A text box a detector found: four corners, clockwise from the top left.',
    fields: (t) => ({
      polygon: t.field({ type: [PointRef], resolve: (box) => [...box.points] }),
      score: t.exposeFloat('score', { description: 'The mean probability of text inside the box.' }),
    }),
  });

  const RecognizedTextRef = builder.objectRef<DecodedText>('RecognizedText').implement({
    fields: (t) => ({
      text: t.exposeString('text'),
      confidence: t.exposeFloat('confidence', { description: 'The mean probability of its characters; 0 for no text.' }),
    }),
  });

  /** The tensor's decoding when it is of `kind`, else null: each decoded field answers only for its own kind. */
  const decodedAs = <Kind extends OutputDecoding['kind']>(output: OutputTensor, kind: Kind) =>
    output.decoding?.kind === kind ? (output.decoding as Extract<OutputDecoding, { kind: Kind }>) : null;

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
      classes: t.field({
        type: [LabelScoreRef],
        nullable: true,
        description:
          "Each row's best class (argmax), softmaxed when model.json says the output holds logits. Null unless its postprocessing is CLASSES.",
        resolve: (output) => {
          const decoding = decodedAs(output, 'CLASSES');
          return decoding && classesOf(output.tensor, output.labels, decoding.softmax);
        },
      }),
      boxes: t.field({
        type: t.listRef(t.listRef(TextBoxRef)),
        nullable: true,
        description:
          "Each row's text boxes, in reading order (PaddleOCR's DB post-processing): in the pixels of the image when the " +
          "request sent one, else of the model's input tensor. Null unless its postprocessing is TEXT_BOXES.",
        resolve: (output) => {
          const decoding = decodedAs(output, 'TEXT_BOXES');
          if (!decoding) return null;
          const rows = boxesOf(output.tensor, decoding.options);
          const scale = output.imageScale;
          return scale ? rows.map((boxes) => readingOrder(boxes.map((box) => scaleBox(box, scale.scaleX, scale.scaleY)))) : rows;
        },
      }),
      texts: t.field({
        type: [RecognizedTextRef],
        nullable: true,
        description: "Each row's text, decoded greedily from CTC with the model's dictionary. Null unless its postprocessing is CTC_TEXT.",
        resolve: (output) => {
          const decoding = decodedAs(output, 'CTC_TEXT');
          return decoding && textsOf(output.tensor, decoding.characters);
        },
      }),
    }),
  });

  return { DataType, TensorSpecRef, TensorRef, ImageInput, PointRef };
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
