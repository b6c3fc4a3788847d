/** The cost limit: what an operation would make the server do, estimated from its fields and arguments before it runs. */

import { type ASTNode, BREAK, type DocumentNode, GraphQLError, type GraphQLSchema, Kind, visit } from 'graphql';
import { type ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import type { Plugin } from 'graphql-yoga';
import { InferError } from '../errors.ts';
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

/**
 * A value as GraphQL's input coercion would read it where a list is expected: a lone value is a list of one. The
 * cost reads variables before coercion (see `costPlanOf`), so it applies the same rule, lest a tensor sent as a
 * lone object instead of a list cost nothing.
 */
function listOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined || value === null ? [] : [value];
}

/** A tensor as the cost reads it: only its shape, before it is checked. */
interface ShapedInput {
  name?: unknown;
  shape?: unknown;
}

/** Elements of the tensors a field sends, from their shapes; a shape that is not one counts none, and is refused later. */
function elementsOf(inputs: unknown): number {
  let total = 0;
  for (const input of listOf(inputs) as (ShapedInput | null)[]) {
    const shape = listOf(input?.shape);
    if (shape.length === 0) continue;
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
  if (!frame) return 1;
  const buffer = (listOf(inputs) as (ShapedInput | null)[]).find((tensor) => tensor?.name === frame.input);
  const shape = listOf(buffer?.shape);
  if (shape.length === 0) return 1;
  const axis = typeof frame.axis === 'number' ? frame.axis : shape.length - 1;
  const length = shape[axis];
  const size = typeof frame.size === 'number' && frame.size >= 1 ? frame.size : 1;
  return typeof length === 'number' && length > 0 ? Math.ceil(length / size) : 1;
}

/** What a field that runs a model costs on top of a field's 1, from its `input` argument. */
type WorkCost = (input: WorkInput | undefined) => number;

/** What the fields that run models cost on top of a field's 1, by `Type.field`. */
const WORK: Record<string, WorkCost> = {
  'Mutation.predict': (input) => COST.run + elementCost(input),
  'Subscription.predictStream': (input) => COST.step * framesOf(input) + elementCost(input),
  'Mutation.explain': (input) => {
    const inputs = (listOf(input?.inputs) as (ShapedInput | null)[]).map((tensor) => ({ ...tensor, shape: listOf(tensor?.shape) }));
    const { evaluations, elementsPerRow } = estimateExplain({ ...input, inputs });
    return COST.run + COST.evaluation * evaluations + Math.ceil((evaluations * elementsPerRow) / COST.elementsPerUnit);
  },
  'Subscription.generate': (input) =>
    COST.step * (typeof input?.maxTokens === 'number' ? Math.max(input.maxTokens, 0) : DEFAULT_MAX_TOKENS),
  // A pipeline's runs are one per step and region, and its regions are known only once its first step has run: it
  // is priced as a request's run, its image's bytes counted by the tensor byte limit instead.
  'Mutation.runPipeline': () => COST.run,
};

/**
 * What a predict of these tensors costs for its work, whichever API sends it: the Open Inference Protocol's infer
 * is priced by it, so that a tensor costs the same over either.
 */
export function predictWorkCost(inputs: readonly { shape?: unknown }[]): number {
  return WORK['Mutation.predict']!({ inputs });
}

/** What a generate asking `maxTokens` (undefined: none named) costs for its work, whichever API sends it. */
export function generateWorkCost(maxTokens: number | undefined): number {
  return WORK['Subscription.generate']!({ maxTokens });
}

/**
 * QUERY_TOO_COMPLEX for an operation that costs more than `maxCost` (Infinity: too many fields to cost), or null when
 * it may run: one refusal, whichever API priced the operation.
 */
export function costRefusal(cost: number, maxCost: number): InferError | null {
  if (cost <= maxCost) return null;
  const over = Number.isFinite(cost) ? `costs ${cost}` : 'has more fields than can be costed';
  return new InferError(
    'QUERY_TOO_COMPLEX',
    `the operation ${over}, over the limit of ${maxCost}: ask for fewer predictions, rows, tokens or evaluations at once`,
    { details: { cost: Number.isFinite(cost) ? cost : null, maxCost } },
  );
}

/** Where one walk of the document notes the fields whose work a variable decides (see `costPlanOf`). */
interface Walk {
  variablePriced: { work: WorkCost; variable: string; cost: number }[];
  /** A field's `input` mixes literals and variables, or a variable has a default: only a walk per request prices it. */
  unplannable: boolean;
}

const estimator: ComplexityEstimator = ({ type, field, node, args, childComplexity, context }) => {
  const work = WORK[`${type.name}.${field.name}`];
  if (!work) return COST.field + childComplexity;
  const cost = work(args.input as WorkInput | undefined);
  const walk = context as Walk | undefined;
  const argument = node.arguments?.find((candidate) => candidate.name.value === 'input')?.value;
  if (walk && argument?.kind === Kind.VARIABLE) walk.variablePriced.push({ work, variable: argument.name.value, cost });
  else if (walk && argument && hasVariable(argument)) walk.unplannable = true;
  return COST.field + cost + childComplexity;
};

function hasVariable(node: ASTNode): boolean {
  let found = false;
  visit(node, {
    Variable() {
      found = true;
      return BREAK;
    },
  });
  return found;
}

/**
 * An operation's cost as a function of its variables: what the fields and literal arguments cost, worked out once
 * per document, plus the work of each field whose whole `input` is a variable, priced from that variable's value.
 * A null plan: the document's cost depends on its variables in other ways (`@skip(if: $v)`, a variable inside an
 * input literal, a variable with a default), and each request walks it.
 */
interface CostPlan {
  fixed: number;
  variablePriced: { work: WorkCost; variable: string }[];
}

function costOf(plan: CostPlan, variables: Record<string, unknown>): number {
  let cost = plan.fixed;
  for (const { work, variable } of plan.variablePriced) cost += work(variables[variable] as WorkInput | undefined);
  return cost;
}

/** Whether a variable decides more than the `input` of a field that runs a model: then no plan can be made. */
function variablesDecideMore(document: DocumentNode): boolean {
  let decides = false;
  visit(document, {
    VariableDefinition(definition) {
      if (definition.defaultValue) decides = true;
    },
    Directive(directive) {
      if (directive.arguments?.some((argument) => hasVariable(argument.value))) decides = true;
    },
  });
  return decides;
}

/** graphql-query-complexity's own words when a document has more fields than it will walk (a fragment bomb, say). */
const TOO_MANY_NODES = 'Query exceeds the maximum allowed number of nodes.';

/** What the execute and subscribe hooks give the cost. */
interface CostedArgs {
  schema: GraphQLSchema;
  document: DocumentNode;
  variableValues?: unknown;
  operationName?: unknown;
}

export interface CostLimitOptions {
  /** The most one operation may cost, in cost units (see `COST`). */
  maxCost: number;
}

/**
 * Refuses an operation whose cost is over `maxCost` with QUERY_TOO_COMPLEX, before any resolver runs. It is an
 * execute/subscribe hook rather than a validation rule because the cost reads variables (the shapes of tensors
 * sent in them), and yoga caches validation by document alone; graphql-ws executes through the same envelop
 * pipeline, so the check holds on every transport.
 *
 * graphql-query-complexity walks the whole document and coerces its variables, which the executor then does again:
 * about a tenth of the main thread's work for a small predict. So the walk is made once per document and operation
 * (yoga's parser cache hands the same DocumentNode back for the same text, on every transport), and later requests
 * pay only for the variables that decide work.
 */
export function useCostLimit({ maxCost }: CostLimitOptions): Plugin {
  const plans = new WeakMap<DocumentNode, Map<string, CostPlan | null>>();

  const walk = (args: CostedArgs, variables: Record<string, unknown>, context?: Walk): number =>
    getComplexity({
      estimators: [estimator],
      schema: args.schema,
      query: args.document,
      variables,
      ...(typeof args.operationName === 'string' ? { operationName: args.operationName } : {}),
      ...(context ? { context: context as unknown as Record<string, unknown> } : {}),
    });

  /** The operation's cost: from its plan, else by a walk that makes the plan (or learns it cannot be made). */
  const costOfOperation = (args: CostedArgs): number => {
    const variables = (args.variableValues ?? {}) as Record<string, unknown>;
    const operation = typeof args.operationName === 'string' ? args.operationName : '';
    let byOperation = plans.get(args.document);
    const plan = byOperation?.get(operation);
    if (plan) return costOf(plan, variables);
    if (plan === null) return walk(args, variables);
    const noted: Walk = { variablePriced: [], unplannable: variablesDecideMore(args.document) };
    const cost = walk(args, variables, noted);
    if (!byOperation) {
      byOperation = new Map();
      plans.set(args.document, byOperation);
    }
    byOperation.set(
      operation,
      noted.unplannable
        ? null
        : {
            fixed: cost - noted.variablePriced.reduce((sum, priced) => sum + priced.cost, 0),
            variablePriced: noted.variablePriced.map(({ work, variable }) => ({ work, variable })),
          },
    );
    return cost;
  };

  const refusal = (args: CostedArgs) => {
    let cost: number;
    try {
      cost = costOfOperation(args);
    } catch (error) {
      if (error instanceof GraphQLError && error.message === TOO_MANY_NODES) cost = Number.POSITIVE_INFINITY;
      // Variables that do not fit the operation: execution refuses them with its own, clearer, error.
      else return null;
    }
    const refused = costRefusal(cost, maxCost);
    if (!refused) return null;
    return {
      errors: [
        new GraphQLError(refused.message, {
          extensions: { code: refused.code, ...refused.details, http: { status: HTTP_STATUS.QUERY_TOO_COMPLEX } },
        }),
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
