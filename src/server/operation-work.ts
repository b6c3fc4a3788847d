/**
 * The work an operation asks of the models, read from its document and variables before it runs:
 * the rows of each predict and each explain's evaluations, the tokens of each generate, the frames of each predictStream. Aliases
 * count once each, so 2,000 aliases of predict ask 2,000 times the work of one.
 */
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  getArgumentValues,
  getOperationAST,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import { estimateExplain } from '../explain/estimate.ts';

export interface WorkLimits {
  /** What generate stops at when a request names no maxTokens, capped by the largest a request may ask. */
  defaultMaxTokens: number;
  /** The largest maxTokens a request may ask (`--max-tokens`): more is refused before it runs. */
  maxTokens: number;
}

type Measure = (args: Record<string, unknown>, limits: WorkLimits) => number;

/** The root fields that cause model runs, and how much each asks. Fields not here ask none. */
const MEASURES: Record<string, Record<string, Measure>> = {
  mutation: {
    predict: ({ input }) => rowsOf(field(input, 'inputs')),
    // Its rows are its evaluations: the input and each perturbed copy.
    explain: ({ input }) => Math.max(1, estimateExplain(input).evaluations),
    // One image: the rows its steps run are its regions, which only its first step finds.
    runPipeline: () => 1,
  },
  subscription: {
    // The tokens asked, not those made: the limit decides before the stream starts, when only the
    // ask is known, and a caller must not start many long streams on a budget spent only as they end.
    generate: ({ input }, limits) => tokensOf(field(input, 'maxTokens'), limits),
    predictStream: ({ input }) => framesOf(field(input, 'inputs'), field(input, 'frame')),
  },
};

/**
 * The work the operation asks, in rows, tokens and frames. An argument that does not read (a
 * variable of the wrong type) asks none here: execution refuses it with its own error.
 */
export function workOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  limits: WorkLimits,
): number {
  const operation = getOperationAST(document, operationName);
  const measures = operation ? MEASURES[operation.operation] : undefined;
  const root = operation ? schema.getRootType(operation.operation) : undefined;
  if (!operation || !measures || !root) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return sumOver(operation.selectionSet, { root, measures, fragments, variables: variables ?? {}, limits });
}

interface Walk {
  root: GraphQLObjectType;
  measures: Record<string, Measure>;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  limits: WorkLimits;
}

/** Root fields, through fragments; a @skip or @include is not read, so such a field is counted as if it ran. */
function sumOver(selectionSet: SelectionSetNode, walk: Walk): number {
  let work = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const measure = walk.measures[selection.name.value];
      const definition = walk.root.getFields()[selection.name.value];
      if (!measure || !definition) continue;
      try {
        work += measure(getArgumentValues(definition, selection, walk.variables), walk.limits);
      } catch {
        // A value that does not coerce: execution answers it with INVALID_ARGUMENT.
      }
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      work += sumOver(selection.selectionSet, walk);
    } else {
      const fragment = walk.fragments.get(selection.name.value);
      if (fragment) work += sumOver(fragment.selectionSet, walk);
    }
  }
  return work;
}

/**
 * The rows of a predict: the largest first dim among its inputs, at least 1. Whether dim 0 is a
 * batch dim is the model's to say, and the model is not known here; the largest keeps a caller from
 * hiding rows behind a small first input, at the price of over-counting an unbatched model's state.
 */
/** The rows a predict of these tensors asks: the largest dim 0 among them (at least 1), whichever API sends it. */
export function rowsOf(inputs: unknown): number {
  let rows = 1;
  for (const input of Array.isArray(inputs) ? inputs : []) {
    const [first] = shapeOf(input);
    if (first !== undefined) rows = Math.max(rows, first);
  }
  return rows;
}

/** The tokens a generate asks, whichever API sends it: its maxTokens, or the default when it names none, within 1 and the cap. */
export function tokensOf(asked: unknown, { defaultMaxTokens, maxTokens }: WorkLimits): number {
  return clamp(typeof asked === 'number' ? asked : Math.min(defaultMaxTokens, maxTokens), 1, maxTokens);
}

/** The frames of a predictStream: its framed input's length along the axis over the frame size, rounded up. */
function framesOf(inputs: unknown, frame: unknown): number {
  const name = field(frame, 'input');
  const size = field(frame, 'size');
  const framed = (Array.isArray(inputs) ? inputs : []).find((input) => field(input, 'name') === name);
  const shape = shapeOf(framed);
  const axisGiven = field(frame, 'axis');
  const axis = typeof axisGiven === 'number' ? (axisGiven < 0 ? shape.length + axisGiven : axisGiven) : shape.length - 1;
  const length = shape[axis];
  if (length === undefined || typeof size !== 'number' || size < 1) return 1;
  return Math.max(1, Math.ceil(length / size));
}

/** The dims of a tensor input that are whole numbers of at least 1; anything else is refused later, by the predictor. */
function shapeOf(input: unknown): number[] {
  const shape = field(input, 'shape');
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 1)) return [];
  return shape as number[];
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
