/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** The image's channels in the tensor. */
export type ChannelOrder =
  /** Blue, green, red: OpenCV's order, for models trained on cv2.imread images. */
  | 'BGR'
  /** One channel: 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601). */
  | 'GRAY'
  /** Red, green, blue. */
  | 'RGB';

/** Element types, by their KServe v2 names. */
export type DataType =
  | 'BF16'
  | 'BOOL'
  | 'FP16'
  | 'FP32'
  | 'FP64'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'STRING'
  | 'UINT8'
  | 'UINT16'
  | 'UINT32'
  | 'UINT64';

/** What an occluded element becomes. */
export type ExplainBaseline =
  /** The mean of the explained input. */
  | 'MEAN'
  /** baselineValue. */
  | 'VALUE'
  /** Zero. */
  | 'ZERO';

export type ExplainInput = {
  /** ZERO when absent, VALUE when only baselineValue is given. */
  baseline?: ExplainBaseline | null | undefined;
  /** The value of the VALUE baseline. */
  baselineValue?: number | null | undefined;
  /** The input whose elements are attributed; the model's first when absent. */
  input?: string | null | undefined;
  /** One row of input, in any of the forms predict takes. */
  inputs: Array<TensorInput>;
  /** OCCLUSION when absent. */
  method?: ExplainMethod | null | undefined;
  model: string;
  /** The output holding the class scores, [N,classes]; the model's first when absent. */
  output?: string | null | undefined;
  /** The side of the square patches of an input whose row has 2 or more dims (its last two), across its other dims; the length of the runs of a flat one. 1 (every element alone) when absent. */
  patchSize?: number | null | undefined;
  /** KERNEL_SHAP: coalitions sampled; 2 × features + 2048 when absent, and all of them (exact values) when there are fewer. */
  samples?: number | null | undefined;
  /** KERNEL_SHAP: the seed of the sampler, 0 when absent; the same seed gives the same answer. */
  seed?: number | null | undefined;
  /** The class explained, an index into the output's scores; the input's top class when absent. */
  target?: number | null | undefined;
  /** A version number or an alias; without it, the alias default if the model has one, else its highest READY version. */
  version?: string | null | undefined;
};

/** How attributions are computed. */
export type ExplainMethod =
  /** KernelSHAP: Shapley values estimated by a weighted regression over seeded samples of coalitions of features, the rest replaced by the baseline; they add up to the target's score less the all-baseline score. At most 256 features. */
  | 'KERNEL_SHAP'
  /** Each feature (element or patch) alone replaced by the baseline: its attribution is the drop of the target's score. */
  | 'OCCLUSION';

/** LENGTH: maxTokens or the model’s length; STOP: a stop sequence; EOS: the model ended the text; CANCELLED: the server shut down; ERROR: a run failed. */
export type FinishReason =
  | 'CANCELLED'
  | 'EOS'
  | 'ERROR'
  | 'LENGTH'
  | 'STOP';

export type FrameInput = {
  /** The dim to cut along; the last one when absent. The last frame is filled up with zeros. */
  axis?: number | null | undefined;
  /** The input holding the whole buffer, to be cut into frames. */
  input: string;
  /** Elements of a frame along the axis (silero VAD: 512 samples at 16 kHz). */
  size: number;
};

export type GenerateInput = {
  /** Tokens to generate at most (default 64, capped by the model). */
  maxTokens?: number | null | undefined;
  model: string;
  /** Text to continue; or give promptTokenIds. */
  prompt?: string | null | undefined;
  /** Token ids to continue; or give prompt. */
  promptTokenIds?: Array<number> | null | undefined;
  /** Same seed, same prompt, same text. Random when absent. */
  seed?: number | null | undefined;
  /** Generation stops before any of these texts; it is not shown. */
  stop?: Array<string> | null | undefined;
  /** 0 picks the likeliest token each step (greedy). Default 1. */
  temperature?: number | null | undefined;
  /** Sample among the k likeliest tokens; 0 (default) for all. */
  topK?: number | null | undefined;
  /** Sample among the likeliest tokens whose probabilities reach p. Default 1. */
  topP?: number | null | undefined;
  /** A version number or an alias; without it, the alias default if the model has one, else its highest READY version. */
  version?: string | null | undefined;
};

/** An encoded image (PNG, JPEG or WebP): for the input a model's preprocessing fills (ModelVersion.preprocessing), or for a pipeline. Give base64 or file. */
export type ImageInput = {
  /** The image file, base64-encoded. */
  base64?: string | null | undefined;
  /** The image file as a binary part of a multipart request. */
  file?: Blob | null | undefined;
};

/** How the image's values lie in the tensor, after a batch dim of 1 (Triton's FORMAT_NCHW and FORMAT_NHWC). */
export type ImageLayout =
  /** [1, height × width × channels]: one row of pixels after another, interleaved. */
  | 'FLAT'
  /** [1, channels, height, width]: channel planes, as PyTorch and PaddleOCR take images. */
  | 'NCHW'
  /** [1, height, width, channels]: interleaved pixels, as TensorFlow takes images. */
  | 'NHWC';

/** How the image is brought to height × width. */
export type ImageResize =
  /** Scaled down, never up, keeping its aspect ratio to fit height × width; then each side rounded to a multiple of 32 (at least 32), as PaddleOCR's text detector takes a page. The tensor's height and width vary with the image. */
  | 'FIT_MULTIPLE_OF_32'
  /** Resized to the height keeping its aspect ratio (squeezed to the width when wider), then padded on the right with 0 in the tensor to the width, as PaddleOCR's text classifier and recognizer take a text line. */
  | 'KEEP_ASPECT_PAD_RIGHT'
  /** Resized to height × width, its aspect ratio not kept. */
  | 'STRETCH';

export type ModelState =
  | 'FAILED'
  | 'LOADING'
  | 'READY'
  | 'UNAVAILABLE'
  | 'UNLOADING';

export type PredictInput = {
  inputs: Array<TensorInput>;
  model: string;
  /** Outputs to compute; all of them when absent. */
  outputs?: Array<string> | null | undefined;
  /** For a stateful model (silero VAD): the sequence this call belongs to. */
  sequence?: SequenceInput | null | undefined;
  /** Deadline from arrival, counting time in the queue: past it, DEADLINE_EXCEEDED. */
  timeoutMs?: number | null | undefined;
  /** A version number or an alias; without it, the alias default if the model has one, else its highest READY version. */
  version?: string | null | undefined;
};

export type PredictStreamInput = {
  frame: FrameInput;
  /** The whole buffer, and any other inputs, given with every frame. */
  inputs: Array<TensorInput>;
  model: string;
  /** Outputs to send per frame; all but the state when absent. */
  outputs?: Array<string> | null | undefined;
  version?: string | null | undefined;
};

export type RunPipelineInput = {
  /** PNG, JPEG or WebP. */
  image: ImageInput;
  /** The pipeline, as Query.models lists it (its pipeline field is set). */
  model: string;
  /** Deadline over all the steps, counting time in their queues: past it, DEADLINE_EXCEEDED naming the step. */
  timeoutMs?: number | null | undefined;
};

/** For a stateful model: the sequence a call belongs to. The server keeps its state between calls. */
export type SequenceInput = {
  /** Ends it after this call, freeing its state. */
  end?: boolean | null | undefined;
  /** Chosen by the client; unique among its open sequences. */
  id: string;
  /** Starts the sequence (again), from a zeroed state. */
  start?: boolean | null | undefined;
};

/** One input tensor: give exactly one of data, base64, file or image. */
export type TensorInput = {
  /** The raw little-endian bytes, base64-encoded. */
  base64?: string | null | undefined;
  /** Elements as a flat row-major JSON list. */
  data?: Array<number | string | boolean> | null | undefined;
  /** Defaults to the model's data type for this input. */
  dataType?: DataType | null | undefined;
  /** The raw little-endian bytes as a binary part of a multipart request: the fast path. */
  file?: Blob | null | undefined;
  /** An image, made into the tensor on the server as the model.json preprocessing says. */
  image?: ImageInput | null | undefined;
  name: string;
  /** Required, except with image: the model's preprocessing says the shape of the tensor it makes. */
  shape?: Array<number> | null | undefined;
};

export type WeightedVersionInput = {
  version: string;
  /** Default 1. */
  weight?: number | null | undefined;
};

export type ModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type ModelsQuery = { models: Array<{ name: string, description: string | null, labels: Array<string> | null, stateReason: string | null, defaultVersion: { version: string } | null, versions: Array<{ version: string, state: ModelState, stateReason: string | null, maxBatchSize: number, inputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }>, outputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }> }> }> };

export type HealthQueryVariables = Exact<{ [key: string]: never; }>;


export type HealthQuery = { health: { live: boolean, ready: boolean, models: Array<{ name: string, ready: boolean, reason: string | null }> } };

export type ExplainMutationVariables = Exact<{
  input: ExplainInput;
  base64?: boolean;
}>;


export type ExplainMutation = { explain: { model: string, version: string, method: ExplainMethod, input: string, output: string, target: number, label: string | null, score: number, features: number, evaluations: number, attributions: { name: string, dataType: DataType, shape: Array<number>, data?: Array<number | string | boolean>, base64?: string }, timing: { totalMs: number, requests: number, meanBatchSize: number } } };

export type GenerateSubscriptionVariables = Exact<{
  input: GenerateInput;
}>;


export type GenerateSubscription = { generate: { model: string, version: string, index: number, tokenId: number | null, text: string, finishReason: FinishReason | null, usage: { promptTokens: number, completionTokens: number, timeToFirstTokenMs: number | null } | null, error: { code: string, message: string } | null } };

export type PredictBase64MutationVariables = Exact<{
  input: PredictInput;
}>;


export type PredictBase64Mutation = { predict: { model: string, version: string, outputs: Array<{ name: string, dataType: DataType, shape: Array<number>, base64: string }>, timing: { batchSize: number, queueMs: number, computeMs: number, totalMs: number } } };

export type PredictMutationVariables = Exact<{
  input: PredictInput;
}>;


export type PredictMutation = { predict: { model: string, version: string, outputs: Array<{ name: string, dataType: DataType, shape: Array<number>, data: Array<number | string | boolean> }>, timing: { queueMs: number, computeMs: number, totalMs: number, batchSize: number } } };

export type ClassifyMutationVariables = Exact<{
  input: PredictInput;
  k?: number;
}>;


export type ClassifyMutation = { predict: { model: string, version: string, outputs: Array<{ name: string, topK: Array<Array<{ label: string, score: number }>> | null }> } };

export type ModelSummaryFragment = { name: string, description: string | null, task: string | null, labels: Array<string> | null, stateReason: string | null, versionPolicy: string, pipeline: { steps: Array<{ name: string, model: string, version: string | null, forEachRegion: boolean, minRotateScore: number, rotate: Array<{ label: string, degrees: number }> }> } | null, defaultVersion: { version: string } | null, aliases: Array<{ name: string, versions: Array<{ version: string, weight: number }> }>, versions: Array<{ version: string, state: ModelState, stateReason: string | null, maxBatchSize: number, instances: number, loadMs: number | null, inputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }>, outputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }>, preprocessing: { input: string | null, layout: ImageLayout, channelOrder: ChannelOrder, height: number, width: number, resize: ImageResize, maxWidth: number | null, mean: Array<number>, std: Array<number>, invert: boolean } | null }> };

export type ListModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type ListModelsQuery = { models: Array<{ name: string, description: string | null, task: string | null, labels: Array<string> | null, stateReason: string | null, versionPolicy: string, pipeline: { steps: Array<{ name: string, model: string, version: string | null, forEachRegion: boolean, minRotateScore: number, rotate: Array<{ label: string, degrees: number }> }> } | null, defaultVersion: { version: string } | null, aliases: Array<{ name: string, versions: Array<{ version: string, weight: number }> }>, versions: Array<{ version: string, state: ModelState, stateReason: string | null, maxBatchSize: number, instances: number, loadMs: number | null, inputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }>, outputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }>, preprocessing: { input: string | null, layout: ImageLayout, channelOrder: ChannelOrder, height: number, width: number, resize: ImageResize, maxWidth: number | null, mean: Array<number>, std: Array<number>, invert: boolean } | null }> }> };

export type ModelInfoQueryVariables = Exact<{
  name: string;
}>;


export type ModelInfoQuery = { model: { name: string, description: string | null, task: string | null, labels: Array<string> | null, stateReason: string | null, versionPolicy: string, pipeline: { steps: Array<{ name: string, model: string, version: string | null, forEachRegion: boolean, minRotateScore: number, rotate: Array<{ label: string, degrees: number }> }> } | null, defaultVersion: { version: string } | null, aliases: Array<{ name: string, versions: Array<{ version: string, weight: number }> }>, versions: Array<{ version: string, state: ModelState, stateReason: string | null, maxBatchSize: number, instances: number, loadMs: number | null, inputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }>, outputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }>, preprocessing: { input: string | null, layout: ImageLayout, channelOrder: ChannelOrder, height: number, width: number, resize: ImageResize, maxWidth: number | null, mean: Array<number>, std: Array<number>, invert: boolean } | null }> } | null };

export type HealthReportQueryVariables = Exact<{ [key: string]: never; }>;


export type HealthReportQuery = { health: { live: boolean, ready: boolean, models: Array<{ name: string, ready: boolean, reason: string | null, queued: number, inFlight: number, streams: number }> } };

export type LoadModelVersionsMutationVariables = Exact<{
  model: string;
  version?: string | null | undefined;
}>;


export type LoadModelVersionsMutation = { loadModel: { name: string, description: string | null, task: string | null, labels: Array<string> | null, stateReason: string | null, versionPolicy: string, pipeline: { steps: Array<{ name: string, model: string, version: string | null, forEachRegion: boolean, minRotateScore: number, rotate: Array<{ label: string, degrees: number }> }> } | null, defaultVersion: { version: string } | null, aliases: Array<{ name: string, versions: Array<{ version: string, weight: number }> }>, versions: Array<{ version: string, state: ModelState, stateReason: string | null, maxBatchSize: number, instances: number, loadMs: number | null, inputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }>, outputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }>, preprocessing: { input: string | null, layout: ImageLayout, channelOrder: ChannelOrder, height: number, width: number, resize: ImageResize, maxWidth: number | null, mean: Array<number>, std: Array<number>, invert: boolean } | null }> } };

export type UnloadModelVersionsMutationVariables = Exact<{
  model: string;
  version?: string | null | undefined;
}>;


export type UnloadModelVersionsMutation = { unloadModel: { name: string, description: string | null, task: string | null, labels: Array<string> | null, stateReason: string | null, versionPolicy: string, pipeline: { steps: Array<{ name: string, model: string, version: string | null, forEachRegion: boolean, minRotateScore: number, rotate: Array<{ label: string, degrees: number }> }> } | null, defaultVersion: { version: string } | null, aliases: Array<{ name: string, versions: Array<{ version: string, weight: number }> }>, versions: Array<{ version: string, state: ModelState, stateReason: string | null, maxBatchSize: number, instances: number, loadMs: number | null, inputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }>, outputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }>, preprocessing: { input: string | null, layout: ImageLayout, channelOrder: ChannelOrder, height: number, width: number, resize: ImageResize, maxWidth: number | null, mean: Array<number>, std: Array<number>, invert: boolean } | null }> } };

export type ReloadModelVersionsMutationVariables = Exact<{
  model: string;
  version?: string | null | undefined;
}>;


export type ReloadModelVersionsMutation = { reloadModel: { name: string, description: string | null, task: string | null, labels: Array<string> | null, stateReason: string | null, versionPolicy: string, pipeline: { steps: Array<{ name: string, model: string, version: string | null, forEachRegion: boolean, minRotateScore: number, rotate: Array<{ label: string, degrees: number }> }> } | null, defaultVersion: { version: string } | null, aliases: Array<{ name: string, versions: Array<{ version: string, weight: number }> }>, versions: Array<{ version: string, state: ModelState, stateReason: string | null, maxBatchSize: number, instances: number, loadMs: number | null, inputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }>, outputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }>, preprocessing: { input: string | null, layout: ImageLayout, channelOrder: ChannelOrder, height: number, width: number, resize: ImageResize, maxWidth: number | null, mean: Array<number>, std: Array<number>, invert: boolean } | null }> } };

export type RescanModelsMutationVariables = Exact<{ [key: string]: never; }>;


export type RescanModelsMutation = { rescanRepository: Array<{ name: string, description: string | null, task: string | null, labels: Array<string> | null, stateReason: string | null, versionPolicy: string, pipeline: { steps: Array<{ name: string, model: string, version: string | null, forEachRegion: boolean, minRotateScore: number, rotate: Array<{ label: string, degrees: number }> }> } | null, defaultVersion: { version: string } | null, aliases: Array<{ name: string, versions: Array<{ version: string, weight: number }> }>, versions: Array<{ version: string, state: ModelState, stateReason: string | null, maxBatchSize: number, instances: number, loadMs: number | null, inputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }>, outputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }>, preprocessing: { input: string | null, layout: ImageLayout, channelOrder: ChannelOrder, height: number, width: number, resize: ImageResize, maxWidth: number | null, mean: Array<number>, std: Array<number>, invert: boolean } | null }> }> };

export type SetModelAliasMutationVariables = Exact<{
  model: string;
  alias: string;
  versions: Array<WeightedVersionInput> | WeightedVersionInput;
}>;


export type SetModelAliasMutation = { setAlias: { name: string, description: string | null, task: string | null, labels: Array<string> | null, stateReason: string | null, versionPolicy: string, pipeline: { steps: Array<{ name: string, model: string, version: string | null, forEachRegion: boolean, minRotateScore: number, rotate: Array<{ label: string, degrees: number }> }> } | null, defaultVersion: { version: string } | null, aliases: Array<{ name: string, versions: Array<{ version: string, weight: number }> }>, versions: Array<{ version: string, state: ModelState, stateReason: string | null, maxBatchSize: number, instances: number, loadMs: number | null, inputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }>, outputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }>, preprocessing: { input: string | null, layout: ImageLayout, channelOrder: ChannelOrder, height: number, width: number, resize: ImageResize, maxWidth: number | null, mean: Array<number>, std: Array<number>, invert: boolean } | null }> } };

export type RollbackModelAliasMutationVariables = Exact<{
  model: string;
  alias: string;
}>;


export type RollbackModelAliasMutation = { rollbackAlias: { name: string, description: string | null, task: string | null, labels: Array<string> | null, stateReason: string | null, versionPolicy: string, pipeline: { steps: Array<{ name: string, model: string, version: string | null, forEachRegion: boolean, minRotateScore: number, rotate: Array<{ label: string, degrees: number }> }> } | null, defaultVersion: { version: string } | null, aliases: Array<{ name: string, versions: Array<{ version: string, weight: number }> }>, versions: Array<{ version: string, state: ModelState, stateReason: string | null, maxBatchSize: number, instances: number, loadMs: number | null, inputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }>, outputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }>, preprocessing: { input: string | null, layout: ImageLayout, channelOrder: ChannelOrder, height: number, width: number, resize: ImageResize, maxWidth: number | null, mean: Array<number>, std: Array<number>, invert: boolean } | null }> } };

export type StreamPredictionsSubscriptionVariables = Exact<{
  input: PredictStreamInput;
}>;


export type StreamPredictionsSubscription = { predictStream: { model: string, version: string, index: number, count: number, outputs: Array<{ name: string, dataType: DataType, shape: Array<number>, base64: string }>, timing: { batchSize: number, queueMs: number, computeMs: number, totalMs: number } } };

export type WatchModelEventsSubscriptionVariables = Exact<{
  model?: string | null | undefined;
}>;


export type WatchModelEventsSubscription = { modelEvents: { model: string, version: string, state: ModelState, reason: string | null, at: string } };

export type WatchHealthSubscriptionVariables = Exact<{
  intervalMs?: number;
}>;


export type WatchHealthSubscription = { health: { live: boolean, ready: boolean, models: Array<{ name: string, ready: boolean, reason: string | null, queued: number, inFlight: number, streams: number }> } };

export type RunPipelineMutationVariables = Exact<{
  input: RunPipelineInput;
}>;


export type RunPipelineMutation = { runPipeline: { model: string, version: string, text: string, totalMs: number, regions: Array<{ score: number, rotation: number, text: string | null, confidence: number | null, polygon: Array<{ x: number, y: number }>, labels: Array<{ step: string, index: number, label: string, score: number }> }>, labels: Array<{ step: string, index: number, label: string, score: number }>, steps: Array<{ step: string, model: string, version: string, requests: number, batchSizes: Array<number>, ms: number }> } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const ModelSummaryFragmentDoc = new TypedDocumentString(`
    fragment ModelSummary on Model {
  name
  description
  task
  labels
  stateReason
  versionPolicy
  pipeline {
    steps {
      name
      model
      version
      forEachRegion
      rotate {
        label
        degrees
      }
      minRotateScore
    }
  }
  defaultVersion {
    version
  }
  aliases {
    name
    versions {
      version
      weight
    }
  }
  versions {
    version
    state
    stateReason
    maxBatchSize
    instances
    loadMs
    inputs {
      name
      dataType
      shape
      dimNames
    }
    outputs {
      name
      dataType
      shape
      dimNames
    }
    preprocessing {
      input
      layout
      channelOrder
      height
      width
      resize
      maxWidth
      mean
      std
      invert
    }
  }
}
    `, {"fragmentName":"ModelSummary"}) as unknown as TypedDocumentString<ModelSummaryFragment, unknown>;
export const ModelsDocument = new TypedDocumentString(`
    query Models {
  models {
    name
    description
    labels
    stateReason
    defaultVersion {
      version
    }
    versions {
      version
      state
      stateReason
      maxBatchSize
      inputs {
        name
        dataType
        shape
        dimNames
      }
      outputs {
        name
        dataType
        shape
        dimNames
      }
    }
  }
}
    `, {"hash":"sha256:5c33170edb57f686960fd79ac81ee156def6120d76675d252d99a39b0f664103"}) as unknown as TypedDocumentString<ModelsQuery, ModelsQueryVariables>;
export const HealthDocument = new TypedDocumentString(`
    query Health {
  health {
    live
    ready
    models {
      name
      ready
      reason
    }
  }
}
    `, {"hash":"sha256:dbe1452dc090cc24730f51b6b11bab7224fd0d47e09e02e8528c52ebe07f72ae"}) as unknown as TypedDocumentString<HealthQuery, HealthQueryVariables>;
export const ExplainDocument = new TypedDocumentString(`
    mutation Explain($input: ExplainInput!, $base64: Boolean! = false) {
  explain(input: $input) {
    model
    version
    method
    input
    output
    target
    label
    score
    attributions {
      name
      dataType
      shape
      data @skip(if: $base64)
      base64 @include(if: $base64)
    }
    features
    evaluations
    timing {
      totalMs
      requests
      meanBatchSize
    }
  }
}
    `, {"hash":"sha256:244c5b90c376aba4f662ff9067af0f61d058a6f9af6811ad0d28f26e1aa9dd88"}) as unknown as TypedDocumentString<ExplainMutation, ExplainMutationVariables>;
export const GenerateDocument = new TypedDocumentString(`
    subscription Generate($input: GenerateInput!) {
  generate(input: $input) {
    model
    version
    index
    tokenId
    text
    finishReason
    usage {
      promptTokens
      completionTokens
      timeToFirstTokenMs
    }
    error {
      code
      message
    }
  }
}
    `, {"hash":"sha256:b8a02f283f9ca2ec2de4126a75e13f03d39724db7226f41982f8ec84692e46bf"}) as unknown as TypedDocumentString<GenerateSubscription, GenerateSubscriptionVariables>;
export const PredictBase64Document = new TypedDocumentString(`
    mutation PredictBase64($input: PredictInput!) {
  predict(input: $input) {
    outputs {
      name
      dataType
      shape
      base64
    }
    model
    version
    timing {
      batchSize
      queueMs
      computeMs
      totalMs
    }
  }
}
    `, {"hash":"sha256:e928a3ed70416967b6795bb2bd9e4f43fa4ab4e5a661022f2c66848a0e836c4a"}) as unknown as TypedDocumentString<PredictBase64Mutation, PredictBase64MutationVariables>;
export const PredictDocument = new TypedDocumentString(`
    mutation Predict($input: PredictInput!) {
  predict(input: $input) {
    model
    version
    outputs {
      name
      dataType
      shape
      data
    }
    timing {
      queueMs
      computeMs
      totalMs
      batchSize
    }
  }
}
    `, {"hash":"sha256:0b8c8a487074f90f030e30389857e2a5955f91ba4fe5ed4c50ac83b974c22ad6"}) as unknown as TypedDocumentString<PredictMutation, PredictMutationVariables>;
export const ClassifyDocument = new TypedDocumentString(`
    mutation Classify($input: PredictInput!, $k: Int! = 3) {
  predict(input: $input) {
    model
    version
    outputs {
      name
      topK(k: $k) {
        label
        score
      }
    }
  }
}
    `, {"hash":"sha256:2aca0c6b93925f33f86c34dccdad602fcb8d2e7437f791d5188251beb5c45bff"}) as unknown as TypedDocumentString<ClassifyMutation, ClassifyMutationVariables>;
export const ListModelsDocument = new TypedDocumentString(`
    query ListModels {
  models {
    ...ModelSummary
  }
}
    fragment ModelSummary on Model {
  name
  description
  task
  labels
  stateReason
  versionPolicy
  pipeline {
    steps {
      name
      model
      version
      forEachRegion
      rotate {
        label
        degrees
      }
      minRotateScore
    }
  }
  defaultVersion {
    version
  }
  aliases {
    name
    versions {
      version
      weight
    }
  }
  versions {
    version
    state
    stateReason
    maxBatchSize
    instances
    loadMs
    inputs {
      name
      dataType
      shape
      dimNames
    }
    outputs {
      name
      dataType
      shape
      dimNames
    }
    preprocessing {
      input
      layout
      channelOrder
      height
      width
      resize
      maxWidth
      mean
      std
      invert
    }
  }
}`, {"hash":"sha256:08417b8f27c724bc99c19c8035af59841312df59d1fe6d8fdafa259473d09891"}) as unknown as TypedDocumentString<ListModelsQuery, ListModelsQueryVariables>;
export const ModelInfoDocument = new TypedDocumentString(`
    query ModelInfo($name: String!) {
  model(name: $name) {
    ...ModelSummary
  }
}
    fragment ModelSummary on Model {
  name
  description
  task
  labels
  stateReason
  versionPolicy
  pipeline {
    steps {
      name
      model
      version
      forEachRegion
      rotate {
        label
        degrees
      }
      minRotateScore
    }
  }
  defaultVersion {
    version
  }
  aliases {
    name
    versions {
      version
      weight
    }
  }
  versions {
    version
    state
    stateReason
    maxBatchSize
    instances
    loadMs
    inputs {
      name
      dataType
      shape
      dimNames
    }
    outputs {
      name
      dataType
      shape
      dimNames
    }
    preprocessing {
      input
      layout
      channelOrder
      height
      width
      resize
      maxWidth
      mean
      std
      invert
    }
  }
}`, {"hash":"sha256:f61be5ed65f7749eeca2dc8fb9b90d985048e8fe81486f300bf757c322d45fcd"}) as unknown as TypedDocumentString<ModelInfoQuery, ModelInfoQueryVariables>;
export const HealthReportDocument = new TypedDocumentString(`
    query HealthReport {
  health {
    live
    ready
    models {
      name
      ready
      reason
      queued
      inFlight
      streams
    }
  }
}
    `, {"hash":"sha256:900308e01d6bff4092e1a29825fd578706485b26c208a4ec6b3a112741baa6a2"}) as unknown as TypedDocumentString<HealthReportQuery, HealthReportQueryVariables>;
export const LoadModelVersionsDocument = new TypedDocumentString(`
    mutation LoadModelVersions($model: String!, $version: String) {
  loadModel(model: $model, version: $version) {
    ...ModelSummary
  }
}
    fragment ModelSummary on Model {
  name
  description
  task
  labels
  stateReason
  versionPolicy
  pipeline {
    steps {
      name
      model
      version
      forEachRegion
      rotate {
        label
        degrees
      }
      minRotateScore
    }
  }
  defaultVersion {
    version
  }
  aliases {
    name
    versions {
      version
      weight
    }
  }
  versions {
    version
    state
    stateReason
    maxBatchSize
    instances
    loadMs
    inputs {
      name
      dataType
      shape
      dimNames
    }
    outputs {
      name
      dataType
      shape
      dimNames
    }
    preprocessing {
      input
      layout
      channelOrder
      height
      width
      resize
      maxWidth
      mean
      std
      invert
    }
  }
}`, {"hash":"sha256:04026e37f0197de36676c20b9c323aca087d62d150238ecb2c22ab42bfdf7400"}) as unknown as TypedDocumentString<LoadModelVersionsMutation, LoadModelVersionsMutationVariables>;
export const UnloadModelVersionsDocument = new TypedDocumentString(`
    mutation UnloadModelVersions($model: String!, $version: String) {
  unloadModel(model: $model, version: $version) {
    ...ModelSummary
  }
}
    fragment ModelSummary on Model {
  name
  description
  task
  labels
  stateReason
  versionPolicy
  pipeline {
    steps {
      name
      model
      version
      forEachRegion
      rotate {
        label
        degrees
      }
      minRotateScore
    }
  }
  defaultVersion {
    version
  }
  aliases {
    name
    versions {
      version
      weight
    }
  }
  versions {
    version
    state
    stateReason
    maxBatchSize
    instances
    loadMs
    inputs {
      name
      dataType
      shape
      dimNames
    }
    outputs {
      name
      dataType
      shape
      dimNames
    }
    preprocessing {
      input
      layout
      channelOrder
      height
      width
      resize
      maxWidth
      mean
      std
      invert
    }
  }
}`, {"hash":"sha256:1efea93d83a9ec212772bded1aa55c8dad4f44532a01f44566b8277ee9708918"}) as unknown as TypedDocumentString<UnloadModelVersionsMutation, UnloadModelVersionsMutationVariables>;
export const ReloadModelVersionsDocument = new TypedDocumentString(`
    mutation ReloadModelVersions($model: String!, $version: String) {
  reloadModel(model: $model, version: $version) {
    ...ModelSummary
  }
}
    fragment ModelSummary on Model {
  name
  description
  task
  labels
  stateReason
  versionPolicy
  pipeline {
    steps {
      name
      model
      version
      forEachRegion
      rotate {
        label
        degrees
      }
      minRotateScore
    }
  }
  defaultVersion {
    version
  }
  aliases {
    name
    versions {
      version
      weight
    }
  }
  versions {
    version
    state
    stateReason
    maxBatchSize
    instances
    loadMs
    inputs {
      name
      dataType
      shape
      dimNames
    }
    outputs {
      name
      dataType
      shape
      dimNames
    }
    preprocessing {
      input
      layout
      channelOrder
      height
      width
      resize
      maxWidth
      mean
      std
      invert
    }
  }
}`, {"hash":"sha256:6f8db3d187848c3301acfa16f7188a72277756e342f9b6ce87a82d5a25214e7a"}) as unknown as TypedDocumentString<ReloadModelVersionsMutation, ReloadModelVersionsMutationVariables>;
export const RescanModelsDocument = new TypedDocumentString(`
    mutation RescanModels {
  rescanRepository {
    ...ModelSummary
  }
}
    fragment ModelSummary on Model {
  name
  description
  task
  labels
  stateReason
  versionPolicy
  pipeline {
    steps {
      name
      model
      version
      forEachRegion
      rotate {
        label
        degrees
      }
      minRotateScore
    }
  }
  defaultVersion {
    version
  }
  aliases {
    name
    versions {
      version
      weight
    }
  }
  versions {
    version
    state
    stateReason
    maxBatchSize
    instances
    loadMs
    inputs {
      name
      dataType
      shape
      dimNames
    }
    outputs {
      name
      dataType
      shape
      dimNames
    }
    preprocessing {
      input
      layout
      channelOrder
      height
      width
      resize
      maxWidth
      mean
      std
      invert
    }
  }
}`, {"hash":"sha256:5cd8a2a0ac8889b741ae9efca92ce631fd5123e6b6dea536414282863d9f9215"}) as unknown as TypedDocumentString<RescanModelsMutation, RescanModelsMutationVariables>;
export const SetModelAliasDocument = new TypedDocumentString(`
    mutation SetModelAlias($model: String!, $alias: String!, $versions: [WeightedVersionInput!]!) {
  setAlias(model: $model, alias: $alias, versions: $versions) {
    ...ModelSummary
  }
}
    fragment ModelSummary on Model {
  name
  description
  task
  labels
  stateReason
  versionPolicy
  pipeline {
    steps {
      name
      model
      version
      forEachRegion
      rotate {
        label
        degrees
      }
      minRotateScore
    }
  }
  defaultVersion {
    version
  }
  aliases {
    name
    versions {
      version
      weight
    }
  }
  versions {
    version
    state
    stateReason
    maxBatchSize
    instances
    loadMs
    inputs {
      name
      dataType
      shape
      dimNames
    }
    outputs {
      name
      dataType
      shape
      dimNames
    }
    preprocessing {
      input
      layout
      channelOrder
      height
      width
      resize
      maxWidth
      mean
      std
      invert
    }
  }
}`, {"hash":"sha256:ef8f0dd99583d3156841aa3fe2ffcf57480a657aaf6704b3b6254e81e861ca42"}) as unknown as TypedDocumentString<SetModelAliasMutation, SetModelAliasMutationVariables>;
export const RollbackModelAliasDocument = new TypedDocumentString(`
    mutation RollbackModelAlias($model: String!, $alias: String!) {
  rollbackAlias(model: $model, alias: $alias) {
    ...ModelSummary
  }
}
    fragment ModelSummary on Model {
  name
  description
  task
  labels
  stateReason
  versionPolicy
  pipeline {
    steps {
      name
      model
      version
      forEachRegion
      rotate {
        label
        degrees
      }
      minRotateScore
    }
  }
  defaultVersion {
    version
  }
  aliases {
    name
    versions {
      version
      weight
    }
  }
  versions {
    version
    state
    stateReason
    maxBatchSize
    instances
    loadMs
    inputs {
      name
      dataType
      shape
      dimNames
    }
    outputs {
      name
      dataType
      shape
      dimNames
    }
    preprocessing {
      input
      layout
      channelOrder
      height
      width
      resize
      maxWidth
      mean
      std
      invert
    }
  }
}`, {"hash":"sha256:2e6fcd14d3513e922747ce54716dac622518d0d6bc306cde7cf444cfb8b6dbb5"}) as unknown as TypedDocumentString<RollbackModelAliasMutation, RollbackModelAliasMutationVariables>;
export const StreamPredictionsDocument = new TypedDocumentString(`
    subscription StreamPredictions($input: PredictStreamInput!) {
  predictStream(input: $input) {
    model
    version
    index
    count
    outputs {
      name
      dataType
      shape
      base64
    }
    timing {
      batchSize
      queueMs
      computeMs
      totalMs
    }
  }
}
    `, {"hash":"sha256:b4a4d109bb9de278b9d89923355c7fffda89770259769e8cd088ffd8297acd2c"}) as unknown as TypedDocumentString<StreamPredictionsSubscription, StreamPredictionsSubscriptionVariables>;
export const WatchModelEventsDocument = new TypedDocumentString(`
    subscription WatchModelEvents($model: String) {
  modelEvents(model: $model) {
    model
    version
    state
    reason
    at
  }
}
    `, {"hash":"sha256:e43f973ef43dd5e43bfe1ff5d65e6ffc941ca2800186459f5e24fc10f4cd40bf"}) as unknown as TypedDocumentString<WatchModelEventsSubscription, WatchModelEventsSubscriptionVariables>;
export const WatchHealthDocument = new TypedDocumentString(`
    subscription WatchHealth($intervalMs: Int! = 5000) {
  health(intervalMs: $intervalMs) {
    live
    ready
    models {
      name
      ready
      reason
      queued
      inFlight
      streams
    }
  }
}
    `, {"hash":"sha256:21eb6dd9f2a0597a95aa8afb715f459dcac0ce9b0a90afd4cfb39442dc39ef0a"}) as unknown as TypedDocumentString<WatchHealthSubscription, WatchHealthSubscriptionVariables>;
export const RunPipelineDocument = new TypedDocumentString(`
    mutation RunPipeline($input: RunPipelineInput!) {
  runPipeline(input: $input) {
    model
    version
    text
    regions {
      polygon {
        x
        y
      }
      score
      labels {
        step
        index
        label
        score
      }
      rotation
      text
      confidence
    }
    labels {
      step
      index
      label
      score
    }
    steps {
      step
      model
      version
      requests
      batchSizes
      ms
    }
    totalMs
  }
}
    `, {"hash":"sha256:5d43d6483981d1ef67cb7d346ca91044fb8523bf4581ad16edcc7676b1043c23"}) as unknown as TypedDocumentString<RunPipelineMutation, RunPipelineMutationVariables>;