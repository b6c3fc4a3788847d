export {
  type CallOptions,
  type ClientOptions,
  createClient,
  type ExplainRequest,
  type ExplainResult,
  type GenerateEvent,
  type GenerateRequest,
  type GenerationStream,
  type Health,
  type InferGraphClient,
  type Model,
  type ModelEvent,
  type ModelTarget,
  type OcrOptions,
  type PipelineRegion,
  type PipelineResult,
  type PredictRequest,
  type PredictResult,
  type PredictStreamEvent,
  type PredictStreamRequest,
  type PredictTiming,
  type RunPipelineOptions,
} from './client.js';
export { CLIENT_ERROR_CODES, type GraphQLErrorJson, InferGraphError, type InferGraphErrorCode, SERVER_ERROR_CODES } from './errors.js';
export { type ImagePreprocessing, imageTensor, type RgbaImage } from './image-tensor.js';
export type { RetryOptions } from './retry.js';
export type { DataType, ElementsOf, Float16Values, ImageInput, Tensor, TensorInput } from './tensors.js';
export { type RankedClass, topK } from './top-k.js';
