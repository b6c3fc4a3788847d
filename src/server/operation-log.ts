/**
 * One log line per operation, on every transport: a query or mutation when its result is ready, a
 * subscription when its stream ends. An envelop plugin, so that yoga (HTTP, SSE) and graphql-ws, which
 * both run `yoga.getEnveloped`, write the same line.
 */
import { type DocumentNode, GraphQLError, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { ErrorCode } from '../errors.ts';
import type { GraphQLContext, OperationNotes } from '../graphql/context.ts';
import type { Logger } from '../observability/logger.ts';
import type { Transport } from '../observability/metrics.ts';
import { cancelledOf, type ErrorLike, errorCodeOf, type ResultLike, rootFieldOf, transportOf } from './operation-facts.ts';

export interface OperationLogOptions {
  logger: Logger;
  /** Share of successful operations that get a line, 0 to 1; failed ones always do. */
  sampleRate: number;
  /** A successful operation quicker than this gets no line, in ms. */
  minDurationMs: number;
  /** Draws the sample. @default Math.random */
  random?: () => number;
}

/** Why a subscription's stream ended. */
type EndReason = 'completed' | 'stopped' | 'error' | 'shutdown';

/** What is kept of an operation until its end; what its line says of it is read off the document only then, if it is written. */
interface Operation {
  context: Partial<GraphQLContext> & { request?: Request; socket?: unknown; params?: { operationName?: string | null } };
  /** Null for a document refused at parse or validation. */
  document: DocumentNode | null;
  operationName: string | null | undefined;
  startedAt: number;
}

interface Ending {
  errors: readonly ErrorLike[] | undefined;
  /** For a subscription: the events sent, and why the stream ended. */
  events?: number;
  end?: EndReason;
}

/** What an operation's line says of it, built only when the line is written. */
export interface OperationFacts {
  requestId: string | undefined;
  transport: Transport;
  /** GraphQL's: the operation's type and name, which a request of the Open Inference Protocol has not. */
  operationType?: string;
  operationName?: string | null;
  field: string;
  notes: OperationNotes | undefined;
  cancelled: boolean;
  /** For a subscription: the events sent, and why the stream ended. */
  events?: number;
  end?: EndReason;
  /** The first error, when there was one: a thrown one's stack and cause chain go in the line. */
  error?: ErrorLike;
}

/**
 * Writes one operation's line, or none: a successful one only when the sample draws it and it took at least
 * `minDurationMs`; a failed one always. One writer for every API, so that GraphQL's operations and the Open
 * Inference Protocol's requests make the same line and are sampled alike.
 */
export type OperationLine = (code: ErrorCode | null, totalMs: number, factsOf: () => OperationFacts) => void;

export function createOperationLine({ logger, sampleRate, minDurationMs, random = Math.random }: OperationLogOptions): OperationLine {
  return (code, totalMs, factsOf) => {
    // Decided before anything is built: at thousands of requests a second, most success lines are never made.
    if (code === null && (totalMs < minDurationMs || sampleRate <= 0 || (sampleRate < 1 && random() >= sampleRate))) return;
    const level = code === null ? 'info' : code === 'INTERNAL' ? 'error' : 'warn';
    if (!logger.isLevelEnabled(level)) return;
    const { notes, cancelled, events, end, error, operationType, operationName, ...facts } = factsOf();
    const outcome: ErrorCode | 'success' | 'cancelled' = code ?? (cancelled ? 'cancelled' : 'success');
    const { model, version, timing } = notes ?? {};
    logger[level](
      {
        requestId: facts.requestId,
        transport: facts.transport,
        ...(operationType === undefined ? {} : { operationType, operationName }),
        field: facts.field,
        ...(model === undefined ? {} : { model, version }),
        outcome,
        totalMs: round(totalMs),
        ...(timing && { queueMs: round(timing.queueMs), computeMs: round(timing.computeMs), batchSize: timing.batchSize }),
        ...(events === undefined ? {} : { events, end }),
        ...(error ? errorFields(error) : {}),
      },
      'operation',
    );
  };
}

export function useOperationLog(options: OperationLogOptions): Plugin {
  const line = createOperationLine(options);
  const write = ({ context, document, operationName, startedAt }: Operation, { errors, events, end }: Ending) => {
    line(errorCodeOf(errors), performance.now() - startedAt, () => {
      const definition = document && getOperationAST(document, operationName);
      return {
        requestId: context.requestId,
        transport: transportOf(context),
        operationType: definition?.operation ?? 'unknown',
        operationName: definition ? (definition.name?.value ?? null) : (operationName ?? null),
        field: document ? rootFieldOf(document, operationName) : 'unknown',
        notes: context.notes,
        cancelled: cancelledOf(context),
        ...(events === undefined ? {} : { events, end: end! }),
        ...(errors?.length ? { error: errors[0]! } : {}),
      };
    });
  };
  const refused = (context: Operation['context'], errors: readonly ErrorLike[]) =>
    write({ context, document: null, operationName: context.params?.operationName, startedAt: performance.now() }, { errors });

  return {
    onParse:
      ({ context }) =>
      ({ result }) => {
        if (result instanceof Error) refused(context as Operation['context'], [result as ErrorLike]);
      },
    onValidate:
      ({ context }) =>
      ({ valid, result }) => {
        if (!valid) refused(context as Operation['context'], result as readonly ErrorLike[]);
      },
    onExecute: ({ args }) => {
      const operation = describe(args.contextValue, args.document, args.operationName);
      return {
        onExecuteDone: ({ result }) => {
          if (Symbol.asyncIterator in result) return;
          write(operation, { errors: (result as ResultLike).errors });
        },
      };
    },
    onSubscribe: ({ args }) => {
      const operation = describe(args.contextValue, args.document, args.operationName);
      return {
        onSubscribeResult: ({ result, setResult }) => {
          if (!(Symbol.asyncIterator in result)) {
            write(operation, { errors: (result as ResultLike).errors });
            return;
          }
          let errors: ResultLike['errors'];
          setResult(
            observed(result as AsyncIterable<ResultLike>, {
              next: (event) => {
                errors ??= event.errors;
              },
              end: (events, reason, error) => {
                const stopped = reason === 'stopped' || reason === 'completed';
                const shutdown = stopped && operation.context.draining?.() === true;
                const thrown =
                  error === undefined ? undefined : [{ originalError: error instanceof Error ? error : new Error(String(error)) }];
                const failed = (errors?.length ?? 0) > 0 && reason === 'completed';
                write(operation, { errors: errors ?? thrown, events, end: shutdown ? 'shutdown' : failed ? 'error' : reason });
              },
            }) as typeof result,
          );
        },
      };
    },
  };
}

function describe(context: unknown, document: unknown, operationName: string | null | undefined): Operation {
  return { context: context as Operation['context'], document: document as DocumentNode, operationName, startedAt: performance.now() };
}

/**
 * What the log says of an error: its code and message, and for one something threw (an InferError, or
 * a fault of ours) the error itself, whose stack and cause chain pino's serializer writes. GraphQL's
 * own errors are not logged whole: they hold the document and may quote a variable's whole value.
 */
function errorFields({ originalError }: ErrorLike): Record<string, unknown> {
  return originalError && !(originalError instanceof GraphQLError) ? { err: originalError } : {};
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

interface Observer<T> {
  next(value: T): void;
  end(events: number, reason: 'completed' | 'stopped' | 'error', error?: unknown): void;
}

/**
 * The stream, telling `observer` of each event and, once, of its end and who ended it: the source
 * (completed, or threw), or the consumer's `return()` (the client stopped, or its socket closed).
 * Written by hand because an async generator cannot tell: its `return()` waits for a pending `next()`,
 * so an idle subscription a client stops would never end; envelop's own wrappers do not say who ended.
 */
function observed<T>(source: AsyncIterable<T>, observer: Observer<T>): AsyncIterableIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let events = 0;
  let ended = false;
  const end = (reason: 'completed' | 'stopped' | 'error', error?: unknown) => {
    if (ended) return;
    ended = true;
    observer.end(events, reason, error);
  };
  const stream: AsyncIterableIterator<T> = {
    async next() {
      try {
        const step = await iterator.next();
        if (step.done) end('completed');
        else {
          events += 1;
          observer.next(step.value);
        }
        return step;
      } catch (error) {
        end('error', error);
        throw error;
      }
    },
    async return(value?: unknown) {
      end('stopped');
      return (await iterator.return?.(value)) ?? { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      end('error', error);
      if (iterator.throw) return iterator.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]: () => stream,
  };
  return stream;
}
