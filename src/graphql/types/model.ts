/** The catalog: Query.models, Query.model, Model, ModelVersion and their live figures. */
import type { ObjectRef } from '@pothos/core';
import { emptyStats } from '../../batching/batcher.ts';
import type { PredictorStats } from '../../batching/predictor.ts';
import type { LatencyWindow } from '../../observability/latency-window.ts';
import { MODEL_STATES, type Model, type ModelVersion } from '../../registry/model-version.ts';
import type { PipelineConfig } from '../../repository/model-config.ts';
import type { TensorSpec } from '../../runtime/tensor-spec.ts';
import type { GenerationStats } from '../../streaming/generation/generator.ts';
import type { Builder, SchemaTypes } from '../builder.ts';
import { addPreprocessingTypes } from './preprocessing.ts';

export function addModelTypes(
  builder: Builder,
  {
    TensorSpecRef,
    PipelineRef,
  }: { TensorSpecRef: ObjectRef<SchemaTypes, TensorSpec>; PipelineRef: ObjectRef<SchemaTypes, PipelineConfig> },
) {
  const ModelState = builder.enumType('ModelState', { values: MODEL_STATES });

  const Percentiles = builder.objectRef<LatencyWindow>('LatencyPercentiles').implement({
    description: 'Over the most recent 1024 measurements, in ms.',
    fields: (t) => ({
      count: t.exposeInt('count'),
      p50: t.float({ nullable: true, resolve: (window) => window.percentile(50) }),
      p99: t.float({ nullable: true, resolve: (window) => window.percentile(99) }),
    }),
  });

  const GenerationStatsRef = builder.objectRef<GenerationStats>('GenerationStats').implement({
    fields: (t) => ({
      activeStreams: t.exposeInt('activeStreams', { description: 'Streams generating now.' }),
      waitingStreams: t.exposeInt('waitingStreams', { description: 'Streams waiting for their prefill.' }),
      tokens: t.exposeInt('tokens', { description: 'Tokens generated.' }),
      steps: t.exposeInt('steps', { description: 'ONNX runs (prefills and decode steps).' }),
      meanStepBatch: t.float({ description: 'Streams per run.', resolve: (s) => (s.steps ? s.stepRows / s.steps : 0) }),
      timeToFirstToken: t.field({ type: Percentiles, resolve: (s) => s.timeToFirstToken }),
      interToken: t.field({ type: Percentiles, resolve: (s) => s.interToken }),
    }),
  });

  const ModelStats = builder.objectRef<PredictorStats>('ModelStats').implement({
    description: 'Live figures of one model version since it was loaded.',
    fields: (t) => ({
      requests: t.exposeInt('requests', { description: 'Requests submitted.' }),
      failures: t.exposeInt('failures', { description: 'Requests answered with an error.' }),
      batches: t.exposeInt('runs', { description: 'ONNX runs.' }),
      items: t.exposeInt('items', { description: 'Rows run, over all batches.' }),
      meanBatchSize: t.float({ resolve: (s) => (s.runs ? s.items / s.runs : 0) }),
      queued: t.exposeInt('queued', { description: 'Requests waiting for a worker now.' }),
      inFlight: t.exposeInt('inFlight', { description: 'Requests running now.' }),
      meanQueueMs: t.float({ resolve: (s) => (s.requests ? s.queueMsTotal / s.requests : 0) }),
      meanComputeMs: t.float({ description: 'Mean time of one ONNX run.', resolve: (s) => (s.runs ? s.computeMsTotal / s.runs : 0) }),
      sequences: t.exposeInt('sequences', { description: 'Sequences whose state the server holds (stateful models).' }),
    }),
  });

  const ImagePreprocessingRef = addPreprocessingTypes(builder);

  const ModelVersionRef = builder.objectRef<ModelVersion>('ModelVersion').implement({
    fields: (t) => ({
      version: t.string({ resolve: (version) => String(version.version) }),
      state: t.field({ type: ModelState, resolve: (version) => version.state }),
      stateReason: t.string({ nullable: true, resolve: (version) => version.stateReason }),
      inputs: t.field({ type: [TensorSpecRef], resolve: (version) => version.signature?.inputs ?? [] }),
      outputs: t.field({ type: [TensorSpecRef], resolve: (version) => version.signature?.outputs ?? [] }),
      maxBatchSize: t.int({
        description: 'Largest batch in rows of dim 0; 0 when the model has no batch dim and runs one request at a time.',
        resolve: (version) => (version.settings.batchAxes === null ? 0 : version.settings.maxBatchSize),
      }),
      maxQueueDelayMs: t.float({ resolve: (version) => version.settings.maxQueueDelayMs }),
      maxQueueSize: t.int({ resolve: (version) => version.settings.maxQueueSize }),
      instances: t.int({ description: 'Workers holding a session of this version.', resolve: (version) => version.settings.instances }),
      loadMs: t.float({
        nullable: true,
        description: 'How long the last load took, warm-up included.',
        resolve: (version) => version.loadMs,
      }),
      warmupMs: t.float({
        nullable: true,
        description: 'How long the warm-up runs took; null without warm-up.',
        resolve: (version) => version.warmupMs,
      }),
      memoryBytes: t.float({
        nullable: true,
        description: 'Estimated bytes it takes when loaded: the model file once per instance (the weights dominate).',
        resolve: (version) => version.memoryBytes,
      }),
      preprocessing: t.field({
        type: ImagePreprocessingRef,
        nullable: true,
        description: 'For an image model: how to make its input tensor from an image; null when model.json says none.',
        resolve: (version) => version.settings.preprocessing,
      }),
      stats: t.field({
        type: ModelStats,
        resolve: (version, _args, { predictor }) => predictor.stats(version.key) ?? { ...emptyStats(), sequences: 0 },
      }),
      generation: t.field({
        type: GenerationStatsRef,
        nullable: true,
        description: 'Figures of text generation, once the version has generated.',
        resolve: (version, _args, { generator }) => generator.stats(version.key),
      }),
    }),
  });

  const ModelRef = builder.objectRef<Model>('Model').implement({
    fields: (t) => ({
      name: t.exposeString('name'),
      description: t.string({ nullable: true, resolve: (model) => model.description }),
      task: t.string({ nullable: true, resolve: (model) => model.task }),
      labels: t.stringList({ nullable: true, resolve: (model) => model.labels }),
      stateReason: t.string({
        nullable: true,
        description: 'Why the whole model cannot be served (bad model.json, no version folder), naming the file.',
        resolve: (model) => model.error,
      }),
      pipeline: t.field({
        type: PipelineRef,
        nullable: true,
        description: 'For a pipeline of other models (model.json "pipeline"): its steps. Send it images with runPipeline.',
        resolve: (model) => model.pipeline,
      }),
      versions: t.field({ type: [ModelVersionRef], resolve: (model) => model.versions }),
      defaultVersion: t.field({
        type: ModelVersionRef,
        nullable: true,
        description:
          "The version a request that names none is served by: the heaviest version of the alias 'default' when " +
          'there is one, else the highest READY version, else the highest.',
        resolve: (model, _args, { registry }) => registry.defaultVersion(model) ?? null,
      }),
    }),
  });

  builder.queryFields((t) => ({
    models: t.field({ type: [ModelRef], authScopes: { 'models:read': true }, resolve: (_root, _args, { registry }) => registry.list() }),
    model: t.field({
      type: ModelRef,
      nullable: true,
      authScopes: { 'models:read': true },
      args: { name: t.arg.string({ required: true }) },
      resolve: (_root, { name }, { registry }) => registry.get(name) ?? null,
    }),
  }));
  return { ModelState, ModelRef };
}
