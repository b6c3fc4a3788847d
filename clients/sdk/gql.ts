/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query Models {\n  models {\n    name\n    description\n    labels\n    stateReason\n    defaultVersion {\n      version\n    }\n    versions {\n      version\n      state\n      stateReason\n      maxBatchSize\n      inputs {\n        name\n        dataType\n        shape\n        dimNames\n      }\n      outputs {\n        name\n        dataType\n        shape\n        dimNames\n      }\n    }\n  }\n}\n\nquery Health {\n  health {\n    live\n    ready\n    models {\n      name\n      ready\n      reason\n    }\n  }\n}": typeof types.ModelsDocument,
    "mutation Explain($input: ExplainInput!) {\n  explain(input: $input) {\n    model\n    version\n    method\n    input\n    output\n    target\n    label\n    score\n    attributions {\n      name\n      dataType\n      shape\n      data\n    }\n    features\n    evaluations\n    timing {\n      totalMs\n      requests\n      meanBatchSize\n    }\n  }\n}": typeof types.ExplainDocument,
    "subscription Generate($input: GenerateInput!) {\n  generate(input: $input) {\n    model\n    version\n    index\n    tokenId\n    text\n    finishReason\n    usage {\n      promptTokens\n      completionTokens\n      timeToFirstTokenMs\n    }\n    error {\n      code\n      message\n    }\n  }\n}": typeof types.GenerateDocument,
    "mutation PredictBase64($input: PredictInput!) {\n  predict(input: $input) {\n    outputs {\n      name\n      dataType\n      shape\n      base64\n    }\n    model\n    version\n    timing {\n      batchSize\n      queueMs\n      computeMs\n      totalMs\n    }\n  }\n}": typeof types.PredictBase64Document,
    "mutation Predict($input: PredictInput!) {\n  predict(input: $input) {\n    model\n    version\n    outputs {\n      name\n      dataType\n      shape\n      data\n    }\n    timing {\n      queueMs\n      computeMs\n      totalMs\n      batchSize\n    }\n  }\n}\n\nmutation Classify($input: PredictInput!, $k: Int! = 3) {\n  predict(input: $input) {\n    model\n    version\n    outputs {\n      name\n      topK(k: $k) {\n        label\n        score\n      }\n    }\n  }\n}": typeof types.PredictDocument,
};
const documents: Documents = {
    "query Models {\n  models {\n    name\n    description\n    labels\n    stateReason\n    defaultVersion {\n      version\n    }\n    versions {\n      version\n      state\n      stateReason\n      maxBatchSize\n      inputs {\n        name\n        dataType\n        shape\n        dimNames\n      }\n      outputs {\n        name\n        dataType\n        shape\n        dimNames\n      }\n    }\n  }\n}\n\nquery Health {\n  health {\n    live\n    ready\n    models {\n      name\n      ready\n      reason\n    }\n  }\n}": types.ModelsDocument,
    "mutation Explain($input: ExplainInput!) {\n  explain(input: $input) {\n    model\n    version\n    method\n    input\n    output\n    target\n    label\n    score\n    attributions {\n      name\n      dataType\n      shape\n      data\n    }\n    features\n    evaluations\n    timing {\n      totalMs\n      requests\n      meanBatchSize\n    }\n  }\n}": types.ExplainDocument,
    "subscription Generate($input: GenerateInput!) {\n  generate(input: $input) {\n    model\n    version\n    index\n    tokenId\n    text\n    finishReason\n    usage {\n      promptTokens\n      completionTokens\n      timeToFirstTokenMs\n    }\n    error {\n      code\n      message\n    }\n  }\n}": types.GenerateDocument,
    "mutation PredictBase64($input: PredictInput!) {\n  predict(input: $input) {\n    outputs {\n      name\n      dataType\n      shape\n      base64\n    }\n    model\n    version\n    timing {\n      batchSize\n      queueMs\n      computeMs\n      totalMs\n    }\n  }\n}": types.PredictBase64Document,
    "mutation Predict($input: PredictInput!) {\n  predict(input: $input) {\n    model\n    version\n    outputs {\n      name\n      dataType\n      shape\n      data\n    }\n    timing {\n      queueMs\n      computeMs\n      totalMs\n      batchSize\n    }\n  }\n}\n\nmutation Classify($input: PredictInput!, $k: Int! = 3) {\n  predict(input: $input) {\n    model\n    version\n    outputs {\n      name\n      topK(k: $k) {\n        label\n        score\n      }\n    }\n  }\n}": types.PredictDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Models {\n  models {\n    name\n    description\n    labels\n    stateReason\n    defaultVersion {\n      version\n    }\n    versions {\n      version\n      state\n      stateReason\n      maxBatchSize\n      inputs {\n        name\n        dataType\n        shape\n        dimNames\n      }\n      outputs {\n        name\n        dataType\n        shape\n        dimNames\n      }\n    }\n  }\n}\n\nquery Health {\n  health {\n    live\n    ready\n    models {\n      name\n      ready\n      reason\n    }\n  }\n}"): (typeof documents)["query Models {\n  models {\n    name\n    description\n    labels\n    stateReason\n    defaultVersion {\n      version\n    }\n    versions {\n      version\n      state\n      stateReason\n      maxBatchSize\n      inputs {\n        name\n        dataType\n        shape\n        dimNames\n      }\n      outputs {\n        name\n        dataType\n        shape\n        dimNames\n      }\n    }\n  }\n}\n\nquery Health {\n  health {\n    live\n    ready\n    models {\n      name\n      ready\n      reason\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Explain($input: ExplainInput!) {\n  explain(input: $input) {\n    model\n    version\n    method\n    input\n    output\n    target\n    label\n    score\n    attributions {\n      name\n      dataType\n      shape\n      data\n    }\n    features\n    evaluations\n    timing {\n      totalMs\n      requests\n      meanBatchSize\n    }\n  }\n}"): (typeof documents)["mutation Explain($input: ExplainInput!) {\n  explain(input: $input) {\n    model\n    version\n    method\n    input\n    output\n    target\n    label\n    score\n    attributions {\n      name\n      dataType\n      shape\n      data\n    }\n    features\n    evaluations\n    timing {\n      totalMs\n      requests\n      meanBatchSize\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription Generate($input: GenerateInput!) {\n  generate(input: $input) {\n    model\n    version\n    index\n    tokenId\n    text\n    finishReason\n    usage {\n      promptTokens\n      completionTokens\n      timeToFirstTokenMs\n    }\n    error {\n      code\n      message\n    }\n  }\n}"): (typeof documents)["subscription Generate($input: GenerateInput!) {\n  generate(input: $input) {\n    model\n    version\n    index\n    tokenId\n    text\n    finishReason\n    usage {\n      promptTokens\n      completionTokens\n      timeToFirstTokenMs\n    }\n    error {\n      code\n      message\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation PredictBase64($input: PredictInput!) {\n  predict(input: $input) {\n    outputs {\n      name\n      dataType\n      shape\n      base64\n    }\n    model\n    version\n    timing {\n      batchSize\n      queueMs\n      computeMs\n      totalMs\n    }\n  }\n}"): (typeof documents)["mutation PredictBase64($input: PredictInput!) {\n  predict(input: $input) {\n    outputs {\n      name\n      dataType\n      shape\n      base64\n    }\n    model\n    version\n    timing {\n      batchSize\n      queueMs\n      computeMs\n      totalMs\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Predict($input: PredictInput!) {\n  predict(input: $input) {\n    model\n    version\n    outputs {\n      name\n      dataType\n      shape\n      data\n    }\n    timing {\n      queueMs\n      computeMs\n      totalMs\n      batchSize\n    }\n  }\n}\n\nmutation Classify($input: PredictInput!, $k: Int! = 3) {\n  predict(input: $input) {\n    model\n    version\n    outputs {\n      name\n      topK(k: $k) {\n        label\n        score\n      }\n    }\n  }\n}"): (typeof documents)["mutation Predict($input: PredictInput!) {\n  predict(input: $input) {\n    model\n    version\n    outputs {\n      name\n      dataType\n      shape\n      data\n    }\n    timing {\n      queueMs\n      computeMs\n      totalMs\n      batchSize\n    }\n  }\n}\n\nmutation Classify($input: PredictInput!, $k: Int! = 3) {\n  predict(input: $input) {\n    model\n    version\n    outputs {\n      name\n      topK(k: $k) {\n        label\n        score\n      }\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;