/** The Pothos builder and the scalars every type file shares. */
import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin, { type AuthFailure } from '@pothos/plugin-scope-auth';
import { GraphQLError, Kind, type ValueNode } from 'graphql';
import type { Scope } from '../auth/principal.ts';
import { InferError } from '../errors.ts';
import type { GraphQLContext } from './context.ts';

export type Types = {
  Context: GraphQLContext;
  Scalars: {
    TensorData: { Input: unknown[]; Output: unknown[] };
    File: { Input: File; Output: never };
  };
  DefaultFieldNullability: false;
  /** A field names the scope it needs (`authScopes: { predict: true }`); the principal in the context holds scopes. */
  AuthScopes: Record<Scope, boolean>;
};

/** The schema types as Pothos sees them, for refs passed between type files. */
export type SchemaTypes = PothosSchemaTypes.ExtendDefaultTypes<Types>;

export function createBuilder() {
  const builder = new SchemaBuilder<Types>({
    plugins: [ScopeAuthPlugin],
    defaultFieldNullability: false,
    scopeAuth: {
      // A subscription is refused when it starts, not at its first event.
      authorizeOnSubscribe: true,
      authScopes: ({ principal }) => ({
        'models:read': principal.scopes.has('models:read'),
        predict: principal.scopes.has('predict'),
        generate: principal.scopes.has('generate'),
        admin: principal.scopes.has('admin'),
      }),
      unauthorizedError: (_parent, { principal }, info, { failure }) => {
        const needed =
          scopesOf(failure)
            .map((scope) => `"${scope}"`)
            .join(' or ') || 'a scope';
        return new InferError(
          'FORBIDDEN',
          `${info.parentType.name}.${info.fieldName} needs the ${needed} scope, which ${principal.id} lacks`,
          {
            details: { field: `${info.parentType.name}.${info.fieldName}` },
          },
        );
      },
    },
  });

  builder.scalarType('TensorData', {
    description:
      'A flat, row-major list of tensor elements: numbers, booleans or strings. 64-bit integers beyond 2^53 are decimal ' +
      'strings; floats may be "NaN", "Infinity" or "-Infinity".',
    serialize: (value) => value,
    parseValue: (value) => {
      if (!Array.isArray(value)) throw new GraphQLError('TensorData must be a flat list of numbers, booleans or strings');
      return value;
    },
    parseLiteral: (node) => {
      if (node.kind !== Kind.LIST) throw new GraphQLError('TensorData must be a flat list of numbers, booleans or strings');
      return node.values.map(literalElement);
    },
  });

  builder.scalarType('File', {
    description: 'A binary part of a GraphQL multipart request: the raw little-endian bytes of a tensor.',
    serialize: () => {
      throw new GraphQLError('File is an input-only scalar');
    },
    parseValue: (value) => {
      // Yoga hands over its own File ponyfill, which is no instance of Node's Blob: check the shape.
      if (typeof (value as Partial<Blob> | null)?.arrayBuffer !== 'function') {
        throw new GraphQLError('File must be a binary part of a multipart request');
      }
      return value as File;
    },
  });

  builder.queryType({});
  builder.mutationType({});
  builder.subscriptionType({});
  return builder;
}

export type Builder = ReturnType<typeof createBuilder>;

/** The scopes a failed check asked for, whatever nesting of any/all it came in. */
function scopesOf(failure: AuthFailure): string[] {
  if ('failures' in failure) return failure.failures.flatMap(scopesOf);
  return 'scope' in failure ? [failure.scope] : [];
}

function literalElement(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.INT: {
      // Integers past 2^53 stay decimal strings, so 64-bit values arrive exact.
      const value = Number(node.value);
      return Number.isSafeInteger(value) ? value : node.value;
    }
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.STRING:
      return node.value;
    case Kind.BOOLEAN:
      return node.value;
    default:
      throw new GraphQLError(`TensorData elements must be numbers, booleans or strings, got ${node.kind}`);
  }
}
