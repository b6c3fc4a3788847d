/** The whole GraphQL schema, assembled from the type files, and its printed SDL. */
import { type GraphQLSchema, printSchema } from 'graphql';
import { createBuilder } from './builder.ts';
import { addEventSubscriptions } from './types/events.ts';
import { addExplain } from './types/explain.ts';
import { addGenerate } from './types/generate.ts';
import { addHealth } from './types/health.ts';
import { addLifecycle } from './types/lifecycle.ts';
import { addModelTypes } from './types/model.ts';
import { addPipelineTypes } from './types/pipeline.ts';
import { addPredict } from './types/predict.ts';
import { addPredictStream } from './types/predict-stream.ts';
import { addTensorTypes } from './types/tensor.ts';

/** The whole GraphQL API, built code-first; `schema/schema.graphql` is its printed form. */
export function createSchema(): GraphQLSchema {
  const builder = createBuilder();
  const { DataType, TensorSpecRef, TensorRef, ImageInput, PointRef } = addTensorTypes(builder);
  const { PipelineRef } = addPipelineTypes(builder, { PointRef, ImageInput });
  const { ModelState, ModelRef } = addModelTypes(builder, { TensorSpecRef, PipelineRef });
  addLifecycle(builder, { ModelRef });
  const predictRefs = addPredict(builder, { DataType, TensorRef, ImageInput });
  addPredictStream(builder, { TensorRef, ...predictRefs });
  addExplain(builder, { TensorRef, ...predictRefs });
  addGenerate(builder);
  const { HealthRef } = addHealth(builder);
  addEventSubscriptions(builder, { HealthRef, ModelStateRef: ModelState });
  return builder.toSchema();
}

export function printSchemaSdl(schema: GraphQLSchema = createSchema()): string {
  return `${printSchema(schema)}\n`;
}
