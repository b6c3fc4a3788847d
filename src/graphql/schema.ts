import { printSchema, type GraphQLSchema } from 'graphql';
import { createBuilder } from './builder.ts';
import { addHealth } from './types/health.ts';
import { addModelTypes } from './types/model.ts';
import { addPredict } from './types/predict.ts';
import { addTensorTypes } from './types/tensor.ts';

/** The whole GraphQL API, built code-first; `schema/schema.graphql` is its printed form. */
export function createSchema(): GraphQLSchema {
  const builder = createBuilder();
  const { DataType, TensorSpecRef, TensorRef } = addTensorTypes(builder);
  addModelTypes(builder, { TensorSpecRef });
  addPredict(builder, { DataType, TensorRef });
  addHealth(builder);
  return builder.toSchema();
}

export function printSchemaSdl(schema: GraphQLSchema = createSchema()): string {
  return `${printSchema(schema)}\n`;
}
