/** Pipelines on the wire: Model.pipeline (its steps), Mutation.runPipeline and its typed result. */
import type { InputObjectRef, ObjectRef } from '@pothos/core';
import type { PipelineResult, Region, StepLabel, StepRun } from '../../pipelines/pipeline-runner.ts';
import type { Point } from '../../processing/text-boxes.ts';
import type { PipelineConfig } from '../../repository/model-config.ts';
import type { Builder, SchemaTypes } from '../builder.ts';
import { type ImageBytes, imageBytes } from './predict.ts';

type PipelineStepConfig = PipelineConfig['steps'][number];

interface RunPipelineResult extends PipelineResult {
  model: string;
  version: string;
}

export function addPipelineTypes(
  builder: Builder,
  { PointRef, ImageInput }: { PointRef: ObjectRef<SchemaTypes, Point>; ImageInput: InputObjectRef<SchemaTypes, ImageBytes> },
) {
  const StepLabelRef = builder.objectRef<StepLabel>('StepLabel').implement({
    description: "A classifying step's best class for the image or a region.",
    fields: (t) => ({
      step: t.exposeString('step'),
      index: t.exposeInt('index'),
      label: t.exposeString('label', { description: "From the step model's labels.txt, else the index." }),
      score: t.exposeFloat('score'),
    }),
  });

  const RegionRef = builder.objectRef<Region>('Region').implement({
    description: 'A region a step found in the image (a text line), with what the later steps made of its crop.',
    fields: (t) => ({
      polygon: t.field({
        type: [PointRef],
        description: 'Its corners in the image, clockwise from the top left of the region as found.',
        resolve: (region) => [...region.points],
      }),
      score: t.exposeFloat('score', { description: "The finding step's confidence in it (a detector's mean probability inside)." }),
      labels: t.field({ type: [StepLabelRef], resolve: (region) => region.labels }),
      rotation: t.exposeInt('rotation', {
        description: 'Degrees its crop was turned by before the later steps (180 for text found upside down).',
      }),
      text: t.string({
        nullable: true,
        description: 'What a recognising step read; null without one.',
        resolve: (region) => region.text?.text ?? null,
      }),
      confidence: t.float({
        nullable: true,
        description: "The recognising step's confidence in the text: the mean probability of its characters.",
        resolve: (region) => region.text?.confidence ?? null,
      }),
    }),
  });

  const StepRunRef = builder.objectRef<StepRun>('PipelineStepRun').implement({
    description: 'How one step of a request ran.',
    fields: (t) => ({
      step: t.exposeString('step'),
      model: t.exposeString('model'),
      version: t.string({ resolve: (run) => String(run.version) }),
      requests: t.exposeInt('requests', { description: 'Requests it made to its model: 1 on the whole image, one per region otherwise.' }),
      batchSizes: t.exposeIntList('batchSizes', {
        description: 'Rows of the ONNX run each request rode in; above 1, it shared the run with other requests.',
      }),
      ms: t.exposeFloat('ms', { description: 'From the step’s start to its last answer.' }),
    }),
  });

  const PipelineResultRef = builder.objectRef<RunPipelineResult>('PipelineResult').implement({
    fields: (t) => ({
      model: t.exposeString('model'),
      version: t.exposeString('version'),
      text: t.string({
        description: "The regions' texts in reading order, one per line; or the text a step read from the whole image.",
        resolve: (result) => result.text?.text ?? result.regions.flatMap((region) => (region.text ? [region.text.text] : [])).join('\n'),
      }),
      regions: t.field({
        type: [RegionRef],
        description: 'In reading order: top to bottom, then left to right.',
        resolve: (result) => result.regions,
      }),
      labels: t.field({
        type: [StepLabelRef],
        description: 'What classifying steps on the whole image said.',
        resolve: (result) => result.labels,
      }),
      steps: t.field({ type: [StepRunRef], resolve: (result) => result.steps }),
      totalMs: t.exposeFloat('totalMs', { description: 'From the image reaching the pipeline to its answer.' }),
    }),
  });

  const RotateRef = builder.objectRef<[string, number]>('PipelineRotation').implement({
    fields: (t) => ({ label: t.string({ resolve: ([label]) => label }), degrees: t.int({ resolve: ([, degrees]) => degrees }) }),
  });

  const PipelineStepRef = builder.objectRef<PipelineStepConfig>('PipelineStep').implement({
    description: 'A step of a pipeline: a model of the repository, with the pre- and post-processing its model.json declares.',
    fields: (t) => ({
      name: t.exposeString('name'),
      model: t.exposeString('model'),
      version: t.string({
        nullable: true,
        description: 'The version or alias it asks for; null for the default.',
        resolve: (step) => step.version ?? null,
      }),
      forEachRegion: t.boolean({
        description: 'Runs on each region an earlier step found (its crop), not on the whole image.',
        resolve: (step) => step.forEachRegion ?? false,
      }),
      rotate: t.field({
        type: [RotateRef],
        description: 'Classes that turn a region, when scored at least minRotateScore, before the later steps.',
        resolve: (step) => Object.entries(step.rotate ?? {}),
      }),
      minRotateScore: t.float({ resolve: (step) => step.minRotateScore ?? 0.9 }),
    }),
  });

  const PipelineRef = builder.objectRef<PipelineConfig>('Pipeline').implement({
    description: 'A pipeline\'s steps, in order: an image in, regions, classes and text out (README, "Pipelines").',
    fields: (t) => ({ steps: t.field({ type: [PipelineStepRef], resolve: (pipeline) => pipeline.steps }) }),
  });

  const RunPipelineInput = builder.inputType('RunPipelineInput', {
    fields: (t) => ({
      model: t.string({ required: true, description: 'The pipeline, as Query.models lists it (its pipeline field is set).' }),
      image: t.field({ type: ImageInput, required: true, description: 'PNG, JPEG or WebP.' }),
      timeoutMs: t.int({
        description: 'Deadline over all the steps, counting time in their queues: past it, DEADLINE_EXCEEDED naming the step.',
      }),
    }),
  });

  builder.mutationField('runPipeline', (t) =>
    t.field({
      type: PipelineResultRef,
      description:
        "Runs a pipeline on an image: each step's requests join its model's batches, shared with concurrent requests. " +
        'A failed step fails the request, the step named in the message and in extensions.step.',
      args: { input: t.arg({ type: RunPipelineInput, required: true }) },
      authScopes: { predict: true },
      resolve: async (_root, { input }, { registry, pipelines, clientSignal, notes, trace }) => {
        const version = await registry.acquire(input.model);
        notes.model = version.model;
        notes.version = version.version;
        const result = await pipelines.run(version, {
          image: await imageBytes('image', input.image),
          timeoutMs: input.timeoutMs,
          signal: clientSignal?.(),
          trace,
        });
        return { ...result, model: version.model, version: String(version.version) };
      },
    }),
  );

  return { PipelineRef };
}
