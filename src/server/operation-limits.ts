/** Limits on an operation's shape (depth, aliases, tokens, directives) and cost, as envelop plugins that run on every transport. */
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { HTTP_STATUS } from './http-status.ts';
import { useCostLimit } from './operation-cost.ts';

export interface OperationLimits {
  /** Deepest nesting of selections; introspection's own is not counted. */
  maxDepth: number;
  /** Aliases in one operation, fragments included. */
  maxAliases: number;
  /** Lexical tokens of the document; variables are not part of it. */
  maxQueryTokens: number;
  /** Directives in one operation. */
  maxDirectives: number;
  /** The most one operation may cost, in cost units (`COST` in operation-cost.ts). */
  maxCost: number;
  /** Whether `__schema` and `__type` are answered. */
  introspection: boolean;
}

/**
 * graphql-armor's errors carry no code. Each limit reports through `onReject` instead of throwing its own error
 * (`propagateOnRejection: false`), and the error reported is QUERY_TOO_COMPLEX with armor's message, which names
 * the limit and what came. A validation limit reports to its validation context; the token limit runs while
 * parsing, where there is none, so its error is thrown from the parse.
 */
const asTooComplex = {
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) => {
      const refused = new GraphQLError(error.message.replace(/^Syntax Error: /, ''), {
        nodes: error.nodes ?? null,
        extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: HTTP_STATUS.QUERY_TOO_COMPLEX } },
      });
      if (context) context.reportError(refused);
      else throw refused;
    },
  ],
};

/**
 * The plugins that hold an operation to `limits`. They act in parse, validate, execute and subscribe, the steps
 * graphql-ws takes through yoga's `getEnveloped` as HTTP and SSE do, so they hold on all three transports.
 */
export function operationLimitPlugins({
  maxDepth,
  maxAliases,
  maxQueryTokens,
  maxDirectives,
  maxCost,
  introspection,
}: OperationLimits): Plugin[] {
  return [
    maxTokensPlugin({ n: maxQueryTokens, ...asTooComplex }),
    maxDepthPlugin({ n: maxDepth, ...asTooComplex }),
    maxAliasesPlugin({ n: maxAliases, ...asTooComplex }),
    maxDirectivesPlugin({ n: maxDirectives, ...asTooComplex }),
    useCostLimit({ maxCost }),
    ...(introspection ? [] : [noIntrospection]),
  ] as Plugin[];
}

/**
 * With introspection off, an operation that asks for `__schema` or `__type` fails validation with FORBIDDEN: the
 * server refuses to describe itself, not a mistake in the operation. graphql-js's NoSchemaIntrospectionCustomRule
 * does the same with no code; `__typename` stays allowed, as clients add it on their own.
 */
const refuseIntrospection: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value !== '__schema' && node.name.value !== '__type') return;
    context.reportError(
      new GraphQLError(`introspection is turned off on this server (--introspection), and the operation asks for "${node.name.value}"`, {
        nodes: node,
        extensions: { code: 'FORBIDDEN', http: { status: HTTP_STATUS.FORBIDDEN } },
      }),
    );
  },
});

const noIntrospection: Plugin = {
  onValidate({ addValidationRule }) {
    addValidationRule(refuseIntrospection);
  },
};
