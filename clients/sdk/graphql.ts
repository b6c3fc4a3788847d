/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
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

/** For a stateful model: the sequence a call belongs to. The server keeps its state between calls. */
export type SequenceInput = {
  /** Ends it after this call, freeing its state. */
  end?: boolean | null | undefined;
  /** Chosen by the client; unique among its open sequences. */
  id: string;
  /** Starts the sequence (again), from a zeroed state. */
  start?: boolean | null | undefined;
};

/** One input tensor: give exactly one of data, base64 or file. */
export type TensorInput = {
  /** The raw little-endian bytes, base64-encoded. */
  base64?: string | null | undefined;
  /** Elements as a flat row-major JSON list. */
  data?: Array<number | string | boolean> | null | undefined;
  /** Defaults to the model's data type for this input. */
  dataType?: DataType | null | undefined;
  /** The raw little-endian bytes as a binary part of a multipart request: the fast path. */
  file?: Blob | null | undefined;
  name: string;
  shape: Array<number>;
};

export type ModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type ModelsQuery = { models: Array<{ name: string, description: string | null, labels: Array<string> | null, stateReason: string | null, defaultVersion: { version: string } | null, versions: Array<{ version: string, state: ModelState, stateReason: string | null, maxBatchSize: number, inputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }>, outputs: Array<{ name: string, dataType: DataType, shape: Array<number>, dimNames: Array<string | null> }> }> }> };

export type HealthQueryVariables = Exact<{ [key: string]: never; }>;


export type HealthQuery = { health: { live: boolean, ready: boolean, models: Array<{ name: string, ready: boolean, reason: string | null }> } };

export type ExplainMutationVariables = Exact<{
  input: ExplainInput;
}>;


export type ExplainMutation = { explain: { model: string, version: string, method: ExplainMethod, input: string, output: string, target: number, label: string | null, score: number, features: number, evaluations: number, attributions: { name: string, dataType: DataType, shape: Array<number>, data: Array<number | string | boolean> }, timing: { totalMs: number, requests: number, meanBatchSize: number } } };

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


export const ModelsDocument = {"__meta__":{"hash":"sha256:5c33170edb57f686960fd79ac81ee156def6120d76675d252d99a39b0f664103"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Models"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"models"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"labels"}},{"kind":"Field","name":{"kind":"Name","value":"stateReason"}},{"kind":"Field","name":{"kind":"Name","value":"defaultVersion"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}}]}},{"kind":"Field","name":{"kind":"Name","value":"versions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"stateReason"}},{"kind":"Field","name":{"kind":"Name","value":"maxBatchSize"}},{"kind":"Field","name":{"kind":"Name","value":"inputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"dataType"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}},{"kind":"Field","name":{"kind":"Name","value":"dimNames"}}]}},{"kind":"Field","name":{"kind":"Name","value":"outputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"dataType"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}},{"kind":"Field","name":{"kind":"Name","value":"dimNames"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ModelsQuery, ModelsQueryVariables>;
export const HealthDocument = {"__meta__":{"hash":"sha256:dbe1452dc090cc24730f51b6b11bab7224fd0d47e09e02e8528c52ebe07f72ae"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"live"}},{"kind":"Field","name":{"kind":"Name","value":"ready"}},{"kind":"Field","name":{"kind":"Name","value":"models"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"ready"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}}]}}]}}]}}]} as unknown as DocumentNode<HealthQuery, HealthQueryVariables>;
export const ExplainDocument = {"__meta__":{"hash":"sha256:18a545a040004efeec421218ca5fac9c20940e37b8b7796f91e5b2453c18203f"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Explain"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ExplainInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"explain"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"method"}},{"kind":"Field","name":{"kind":"Name","value":"input"}},{"kind":"Field","name":{"kind":"Name","value":"output"}},{"kind":"Field","name":{"kind":"Name","value":"target"}},{"kind":"Field","name":{"kind":"Name","value":"label"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"attributions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"dataType"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}},{"kind":"Field","name":{"kind":"Name","value":"data"}}]}},{"kind":"Field","name":{"kind":"Name","value":"features"}},{"kind":"Field","name":{"kind":"Name","value":"evaluations"}},{"kind":"Field","name":{"kind":"Name","value":"timing"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalMs"}},{"kind":"Field","name":{"kind":"Name","value":"requests"}},{"kind":"Field","name":{"kind":"Name","value":"meanBatchSize"}}]}}]}}]}}]} as unknown as DocumentNode<ExplainMutation, ExplainMutationVariables>;
export const GenerateDocument = {"__meta__":{"hash":"sha256:b8a02f283f9ca2ec2de4126a75e13f03d39724db7226f41982f8ec84692e46bf"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"Generate"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"GenerateInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"generate"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"index"}},{"kind":"Field","name":{"kind":"Name","value":"tokenId"}},{"kind":"Field","name":{"kind":"Name","value":"text"}},{"kind":"Field","name":{"kind":"Name","value":"finishReason"}},{"kind":"Field","name":{"kind":"Name","value":"usage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"promptTokens"}},{"kind":"Field","name":{"kind":"Name","value":"completionTokens"}},{"kind":"Field","name":{"kind":"Name","value":"timeToFirstTokenMs"}}]}},{"kind":"Field","name":{"kind":"Name","value":"error"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<GenerateSubscription, GenerateSubscriptionVariables>;
export const PredictBase64Document = {"__meta__":{"hash":"sha256:e928a3ed70416967b6795bb2bd9e4f43fa4ab4e5a661022f2c66848a0e836c4a"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PredictBase64"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PredictInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"predict"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"outputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"dataType"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}},{"kind":"Field","name":{"kind":"Name","value":"base64"}}]}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"timing"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"batchSize"}},{"kind":"Field","name":{"kind":"Name","value":"queueMs"}},{"kind":"Field","name":{"kind":"Name","value":"computeMs"}},{"kind":"Field","name":{"kind":"Name","value":"totalMs"}}]}}]}}]}}]} as unknown as DocumentNode<PredictBase64Mutation, PredictBase64MutationVariables>;
export const PredictDocument = {"__meta__":{"hash":"sha256:0b8c8a487074f90f030e30389857e2a5955f91ba4fe5ed4c50ac83b974c22ad6"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Predict"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PredictInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"predict"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"outputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"dataType"}},{"kind":"Field","name":{"kind":"Name","value":"shape"}},{"kind":"Field","name":{"kind":"Name","value":"data"}}]}},{"kind":"Field","name":{"kind":"Name","value":"timing"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"queueMs"}},{"kind":"Field","name":{"kind":"Name","value":"computeMs"}},{"kind":"Field","name":{"kind":"Name","value":"totalMs"}},{"kind":"Field","name":{"kind":"Name","value":"batchSize"}}]}}]}}]}}]} as unknown as DocumentNode<PredictMutation, PredictMutationVariables>;
export const ClassifyDocument = {"__meta__":{"hash":"sha256:2aca0c6b93925f33f86c34dccdad602fcb8d2e7437f791d5188251beb5c45bff"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Classify"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PredictInput"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"k"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},"defaultValue":{"kind":"IntValue","value":"3"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"predict"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"outputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"topK"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"k"},"value":{"kind":"Variable","name":{"kind":"Name","value":"k"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"label"}},{"kind":"Field","name":{"kind":"Name","value":"score"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ClassifyMutation, ClassifyMutationVariables>;