/** Subscription.predictStream: a whole input in, per-frame outputs out as computed. */
import type { ObjectRef } from '@pothos/core';
import type { FrameResponse } from '../../batching/predictor.ts';
import type { Builder, SchemaTypes } from '../builder.ts';
import { type addPredict, tensorInputs } from './predict.ts';
import type { OutputTensor } from './tensor.ts';

interface FrameEvent extends FrameResponse {
  model: string;
  version: string;
  labels: string[] | null;
}

export function addPredictStream(
  builder: Builder,
  { TensorRef, TensorInputRef, Timing }: { TensorRef: ObjectRef<SchemaTypes, OutputTensor> } & ReturnType<typeof addPredict>,
) {
  const FrameInput = builder.inputType('FrameInput', {
    fields: (t) => ({
      input: t.string({ required: true, description: 'The input holding the whole buffer, to be cut into frames.' }),
      size: t.int({ required: true, description: 'Elements of a frame along the axis (silero VAD: 512 samples at 16 kHz).' }),
      axis: t.int({ description: 'The dim to cut along; the last one when absent. The last frame is filled up with zeros.' }),
    }),
  });

  const PredictStreamInput = builder.inputType('PredictStreamInput', {
    fields: (t) => ({
      model: t.string({ required: true }),
      version: t.string(),
      inputs: t.field({
        type: [TensorInputRef],
        required: true,
        description: 'The whole buffer, and any other inputs, given with every frame.',
      }),
      frame: t.field({ type: FrameInput, required: true }),
      outputs: t.stringList({ description: 'Outputs to send per frame; all but the state when absent.' }),
    }),
  });

  const FrameEventRef = builder.objectRef<FrameEvent>('PredictStreamEvent').implement({
    description: "One frame's outputs, as soon as they are computed.",
    fields: (t) => ({
      model: t.exposeString('model'),
      version: t.exposeString('version'),
      index: t.exposeInt('index'),
      count: t.exposeInt('count', { description: 'Frames in the whole buffer.' }),
      outputs: t.field({
        type: [TensorRef],
        resolve: (event) => Object.entries(event.outputs).map(([name, tensor]) => ({ name, tensor, labels: event.labels })),
      }),
      timing: t.field({ type: Timing, resolve: (event) => event.timing }),
    }),
  });

  builder.subscriptionField('predictStream', (t) =>
    t.field({
      type: FrameEventRef,
      description:
        'Runs a stateful streaming model (one with a sequence in model.json) over a whole buffer, frame by frame with its state ' +
        'carried, and sends each frame’s outputs as they are computed. Completing the subscription stops it.',
      args: { input: t.arg({ type: PredictStreamInput, required: true }) },
      authScopes: { predict: true },
      subscribe: async (_root, { input }, { registry, predictor, clientSignal, shutdown, notes, trace }) => {
        const version = await registry.acquire(input.model, input.version);
        notes.model = version.model;
        notes.version = version.version;
        const frames = predictor.predictFrames(version, {
          inputs: await tensorInputs(input.inputs),
          frame: input.frame,
          outputs: input.outputs,
          signal: clientSignal?.(),
          trace,
          // A shutdown ends the stream after the frame in flight: the client reads how far it got in index and count.
          stop: shutdown,
        });
        // The first frame is awaited here so that a refused request fails the subscription
        // itself, as every other operation does, rather than its first event.
        const first = await frames.next();
        return labelled(first, frames, { model: version.model, version: String(version.version), labels: version.labels });
      },
      resolve: (event) => event,
    }),
  );
}

async function* labelled(
  first: IteratorResult<FrameResponse>,
  rest: AsyncGenerator<FrameResponse>,
  label: Pick<FrameEvent, 'model' | 'version' | 'labels'>,
): AsyncGenerator<FrameEvent> {
  try {
    if (first.done) return;
    yield { ...first.value, ...label };
    for await (const frame of rest) yield { ...frame, ...label };
  } finally {
    await rest.return(undefined);
  }
}
