/** Mutation.predict: its input, result and timing types. */
import type { EnumRef, InputObjectRef, ObjectRef } from '@pothos/core';
import type { TensorInput } from '../../batching/decode-inputs.ts';
import type { PredictTiming } from '../../batching/predictor.ts';
import { InferError } from '../../errors.ts';
import { fromBase64 } from '../../runtime/codec.ts';
import type { DataType as DataTypeName } from '../../runtime/tensor.ts';
import type { Builder, SchemaTypes } from '../builder.ts';
import type { OutputTensor } from './tensor.ts';

interface PredictResult {
  model: string;
  version: string;
  outputs: OutputTensor[];
  timing: PredictTiming;
}

export function addPredict(
  builder: Builder,
  {
    DataType,
    TensorRef,
    ImageInput,
  }: {
    DataType: EnumRef<SchemaTypes, DataTypeName>;
    TensorRef: ObjectRef<SchemaTypes, OutputTensor>;
    ImageInput: InputObjectRef<SchemaTypes, ImageBytes>;
  },
) {
  const TensorInputRef = builder.inputType('TensorInput', {
    description: 'One input tensor: give exactly one of data, base64, file or image.',
    fields: (t) => ({
      name: t.string({ required: true }),
      dataType: t.field({ type: DataType, description: "Defaults to the model's data type for this input." }),
      shape: t.intList({ description: "Required, except with image: the model's preprocessing says the shape of the tensor it makes." }),
      data: t.field({ type: 'TensorData', description: 'Elements as a flat row-major JSON list.' }),
      base64: t.string({ description: 'The raw little-endian bytes, base64-encoded.' }),
      file: t.field({ type: 'File', description: 'The raw little-endian bytes as a binary part of a multipart request: the fast path.' }),
      image: t.field({
        type: ImageInput,
        description: 'An image, made into the tensor on the server as the model.json preprocessing says.',
      }),
    }),
  });

  const SequenceInput = builder.inputType('SequenceInput', {
    description: 'For a stateful model: the sequence a call belongs to. The server keeps its state between calls.',
    fields: (t) => ({
      id: t.string({ required: true, description: 'Chosen by the client; unique among its open sequences.' }),
      start: t.boolean({ description: 'Starts the sequence (again), from a zeroed state.' }),
      end: t.boolean({ description: 'Ends it after this call, freeing its state.' }),
    }),
  });

  const PredictInput = builder.inputType('PredictInput', {
    fields: (t) => ({
      model: t.string({ required: true }),
      version: t.string({
        description: 'A version number or an alias; without it, the alias default if the model has one, else its highest READY version.',
      }),
      inputs: t.field({ type: [TensorInputRef], required: true }),
      outputs: t.stringList({ description: 'Outputs to compute; all of them when absent.' }),
      timeoutMs: t.int({ description: 'Deadline from arrival, counting time in the queue: past it, DEADLINE_EXCEEDED.' }),
      sequence: t.field({ type: SequenceInput, description: 'For a stateful model (silero VAD): the sequence this call belongs to.' }),
    }),
  });

  const Timing = builder.objectRef<PredictTiming>('PredictTiming').implement({
    fields: (t) => ({
      queueMs: t.exposeFloat('queueMs', { description: 'Time waiting for a batch to be sent to a worker.' }),
      computeMs: t.exposeFloat('computeMs', { description: 'Time of the ONNX run this request rode in.' }),
      totalMs: t.exposeFloat('totalMs', { description: 'From the request reaching the model to its answer.' }),
      batchSize: t.exposeInt('batchSize', { description: 'Rows in the ONNX run this request rode in.' }),
    }),
  });

  const Result = builder.objectRef<PredictResult>('PredictResult').implement({
    fields: (t) => ({
      model: t.exposeString('model'),
      version: t.exposeString('version', { description: 'The version that served the request.' }),
      outputs: t.field({ type: [TensorRef], resolve: (result) => result.outputs }),
      timing: t.field({ type: Timing, resolve: (result) => result.timing }),
    }),
  });

  builder.mutationField('predict', (t) =>
    t.field({
      type: Result,
      description: 'Runs a model on the given inputs, batched with concurrent requests to the same model version.',
      args: { input: t.arg({ type: PredictInput, required: true }) },
      authScopes: { predict: true },
      resolve: async (_root, { input }, { registry, predictor, clientSignal, principal, notes, trace }) => {
        const version = await registry.acquire(input.model, input.version);
        notes.model = version.model;
        notes.version = version.version;
        const { outputs, timing, imageScale } = await predictor.predict(version, {
          inputs: await tensorInputs(input.inputs),
          outputs: input.outputs,
          timeoutMs: input.timeoutMs,
          signal: clientSignal?.(),
          // Each caller's sequence ids are its own: another credential cannot continue or read its state.
          sequence: input.sequence && { ...input.sequence, owner: principal.id },
          trace,
        });
        notes.timing = timing;
        return {
          model: version.model,
          version: String(version.version),
          outputs: Object.entries(outputs).map(([name, tensor]) => ({
            name,
            tensor,
            labels: version.labels,
            decoding: version.settings.decodings[name] ?? null,
            imageScale,
          })),
          timing,
        };
      },
    }),
  );
  return { TensorInputRef, Timing };
}

/** The wire tensors of a request, with uploaded parts read into bytes. */
export function tensorInputs(
  inputs: readonly (Omit<TensorInput, 'bytes' | 'tensor' | 'image'> & {
    file?: File | null | undefined;
    image?: ImageBytes | null | undefined;
  })[],
): Promise<TensorInput[]> {
  return Promise.all(
    inputs.map(async ({ file, image, ...tensor }) => ({
      ...tensor,
      bytes: file ? new Uint8Array(await file.arrayBuffer()) : null,
      image: image ? await imageBytes(tensor.name, image) : null,
    })),
  );
}

/** An image as a request sends it: base64 text or a multipart file part, exactly one of them. */
export interface ImageBytes {
  base64?: string | null | undefined;
  file?: File | null | undefined;
}

/** The encoded image's bytes; INVALID_TENSOR naming `name` unless exactly one of base64 and file is given. */
export async function imageBytes(name: string, { base64, file }: ImageBytes): Promise<Uint8Array> {
  const context = `input "${name}"`;
  if ((base64 === null || base64 === undefined) === (file === null || file === undefined)) {
    throw new InferError('INVALID_TENSOR', `${context}: give the image as one of image.base64 or image.file`, {
      details: { tensor: name },
    });
  }
  return file ? new Uint8Array(await file.arrayBuffer()) : fromBase64(base64!, context);
}
