/**
 * Past the drain window, what still runs is answered instead of cut off: an operation still executing
 * resolves with MODEL_NOT_READY, and a stream still open sends one last MODEL_NOT_READY result and
 * completes. Through yoga's envelop pipeline, so HTTP, SSE and graphql-ws answer alike.
 */
import { type ExecutionResult, GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { HTTP_STATUS } from './http-status.ts';

/** What a client reads when the server shut down before its request finished: the request was sound, so retrying is right. */
export const CUT_OFF_MESSAGE = 'the server shut down before this request finished; retry';

/** `cutOff` aborts when the drain window has passed. */
export function useShutdownCutoff(cutOff: AbortSignal): Plugin {
  return {
    onExecute: ({ executeFn, setExecuteFn }) => {
      setExecuteFn(async (args) => {
        const result = await untilCutOff(Promise.resolve(executeFn(args)), cutOff);
        return result === CUT ? cutOffResult() : result;
      });
    },
    onSubscribe: ({ subscribeFn, setSubscribeFn }) => {
      // predictStream computes its first frame before its stream exists: that wait is cut off too.
      setSubscribeFn(async (args) => {
        const result = await untilCutOff(Promise.resolve(subscribeFn(args)), cutOff);
        return result === CUT ? cutOffResult() : result;
      });
      return {
        onSubscribeResult: ({ result, setResult }) => {
          if (isAsyncIterable(result)) setResult(endingAtCutOff(result, cutOff));
        },
      };
    },
  };
}

const CUT = Symbol('cut off');

/** `running`'s outcome, or CUT if `cutOff` aborts first; the listener goes with it, since one signal outlives every request. */
function untilCutOff<T>(running: Promise<T>, cutOff: AbortSignal): Promise<T | typeof CUT> {
  if (cutOff.aborted) return Promise.resolve(CUT);
  return new Promise((resolve, reject) => {
    const cut = () => resolve(CUT);
    cutOff.addEventListener('abort', cut, { once: true });
    running.then(
      (value) => {
        cutOff.removeEventListener('abort', cut);
        resolve(value);
      },
      (error: unknown) => {
        cutOff.removeEventListener('abort', cut);
        reject(error);
      },
    );
  });
}

function cutOffResult(): ExecutionResult {
  return {
    errors: [new GraphQLError(CUT_OFF_MESSAGE, { extensions: { code: 'MODEL_NOT_READY', http: { status: HTTP_STATUS.MODEL_NOT_READY } } })],
  };
}

/** The results of a stream until `cutOff` aborts; then one MODEL_NOT_READY result ends it. */
async function* endingAtCutOff(results: AsyncIterable<ExecutionResult>, cutOff: AbortSignal): AsyncGenerator<ExecutionResult> {
  const iterator = results[Symbol.asyncIterator]();
  let waiting = false;
  try {
    for (;;) {
      waiting = true;
      const next = await untilCutOff(iterator.next(), cutOff);
      if (next === CUT) {
        yield cutOffResult();
        return;
      }
      waiting = false;
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // After a cut-off its next() is still pending, and a generator's return() waits behind that: ask, without waiting.
    if (waiting) iterator.return?.().catch(() => {});
    else await iterator.return?.();
  }
}
