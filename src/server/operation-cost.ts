/** The cost limit: what an operation would make the server do, estimated from its fields and arguments before it runs. */

import { type DocumentNode, GraphQLError, type GraphQLSchema } from 'graphql';
import { type ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import type { Plugin } from 'graphql-yoga';
import { estimateExplain } from '../explain/estimate.ts';
import { DEFAULT_MAX_TOKENS } from '../streaming/generation/generator.ts';
import { HTTP_STATUS } from './http-status.ts';

/**
 * The price list, in cost units. A field costs 1; a field that runs a model costs what it makes the workers do:
 * a request's run (its fixed overhead: a queue slot, a trip to a worker) plus its input elements, rows × elements
 * per row, since that is what the compute and the memory grow with. A step of a stream (a generated token, a frame
 * of predictStream) is a run too, but rides in a batch with the other streams' steps, so it costs less. An explain
 * is a request plus its evaluations: each a row that rides in a full batch, plus its elements.
 */
const COST = {
  field: 1,
  run: 100,
  elementsPerUnit: 1000,
  step: 50,
  evaluation: 1,
} as const;

/** A tensor as the cost reads it: only its shape, before it is checked. */
interface ShapedInput {
  shape?: unknown;
}

/** Elements of the tensors a field sends, from their shapes; a shape that is not one counts none, and is refused later. */
function elementsOf(inputs: unknown): number {
  if (!Array.isArray(inputs)) return 0;
  let total = 0;
  for (const input of inputs as ShapedInput[]) {
    const { shape } = input ?? {};
    if (!Array.isArray(shape)) continue;
    total += shape.reduce<number>((count, dim) => count * (typeof dim === 'number' && dim > 0 ? dim : 0), 1);
  }
  return total;
}

/** The `input` argument of a field that runs a model, as the cost reads it, before it is checked. */
interface WorkInput {
  inputs?: unknown;
  maxTokens?: unknown;
  frame?: { input?: unknown; size?: unknown; axis?: unknown } | null;
}

function elementCost(input: WorkInput | undefined): number {
  return Math.ceil(elementsOf(input?.inputs) / COST.elementsPerUnit);
}

/** Frames predictStream will cut its buffer into: its length along the frame axis (the last by default) over the frame size. */
function framesOf(input: WorkInput | undefined): number {
  const { frame, inputs } = input ?? {};
  if (!frame || !Array.isArray(inputs)) return 1;
  const buffer = (inputs as { name?: unknown; shape?: unknown }[]).find((tensor) => tensor?.name === frame.input);
  if (!buffer || !Array.isArray(buffer.shape)) return 1;
  const axis = typeof frame.axis === 'number' ? frame.axis : buffer.shape.length - 1;
  const length = buffer.shape[axis];
  const size = typeof frame.size === 'number' && frame.size >= 1 ? frame.size : 1;
  return typeof length === 'number' && length > 0 ? Math.ceil(length / size) : 1;
}

/** What the fields that run models cost on top of a field's 1, by `Type.field`. */
const WORK: Record<string, (input: WorkInput | undefined) => number> = {
  'Mutation.predict': (input) => COST.run + elementCost(input),
  'Subscription.predictStream': (input) => COST.step * framesOf(input) + elementCost(input),
  'Mutation.explain': (input) => {
    const { evaluations, elementsPerRow } = estimateExplain(input);
    return COST.run + COST.evaluation * evaluations + Math.ceil((evaluations * elementsPerRow) / COST.elementsPerUnit);
  },
  'Subscription.generate': (input) =>
    COST.step * (typeof input?.maxTokens === 'number' ? Math.max(input.maxTokens, 0) : DEFAULT_MAX_TOKENS),
};

const estimator: ComplexityEstimator = ({ type, field, args, childComplexity }) =>
  COST.field + (WORK[`${type.name}.${field.name}`]?.(args.input as WorkInput | undefined) ?? 0) + childComplexity;

/** graphql-query-complexity's own words when a document has more fields than it will walk (a fragment bomb, say). */
const TOO_MANY_NODES = 'Query exceeds the maximum allowed number of nodes.';

export interface CostLimitOptions {
  /** The most one operation may cost, in cost units (see `COST`). */
  maxCost: number;
}

/**
 * Refuses an operation whose cost is over `maxCost` with QUERY_TOO_COMPLEX, before any resolver runs. It is an
 * execute/subscribe hook rather than a validation rule because the cost reads variables (the shapes of tensors
 * sent in them), and yoga caches validation by document alone; graphql-ws executes through the same envelop
 * pipeline, so the check holds on every transport.
 */
export function useCostLimit({ maxCost }: CostLimitOptions): Plugin {
  const refusal = (args: { schema: GraphQLSchema; document: DocumentNode; variableValues?: unknown; operationName?: unknown }) => {
    let cost: number;
    try {
      cost = getComplexity({
        estimators: [estimator],
        schema: args.schema,
        query: args.document,
        variables: (args.variableValues ?? {}) as Record<string, unknown>,
        ...(typeof args.operationName === 'string' ? { operationName: args.operationName } : {}),
      });
    } catch (error) {
      if (error instanceof GraphQLError && error.message === TOO_MANY_NODES) cost = Number.POSITIVE_INFINITY;
      // Variables that do not fit the operation: execution refuses them with its own, clearer, error.
      else return null;
    }
    if (cost <= maxCost) return null;
    const over = Number.isFinite(cost) ? `costs ${cost}` : 'has more fields than can be costed';
    return {
      errors: [
        new GraphQLError(
          `the operation ${over}, over the limit of ${maxCost}: ask for fewer predictions, rows, tokens or evaluations at once`,
          {
            extensions: {
              code: 'QUERY_TOO_COMPLEX',
              cost: Number.isFinite(cost) ? cost : null,
              maxCost,
              http: { status: HTTP_STATUS.QUERY_TOO_COMPLEX },
            },
          },
        ),
      ],
    };
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const refused = refusal(args);
      if (refused) setResultAndStopExecution(refused);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refused = refusal(args);
      if (refused) setResultAndStopExecution(refused);
    },
  };
}
