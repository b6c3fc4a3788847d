/** An async iterator that ends when a signal aborts: how open subscriptions end when the server shuts down. */
import { Repeater } from '@graphql-yoga/subscription';

/**
 * The values of `source` until `signal` aborts, then done (and `source` returned). Repeater's race
 * ends a `next()` that is still waiting, which an async generator cannot do; the listener is
 * removed when either side ends, so a long-lived signal does not collect one per subscription.
 */
export function untilAborted<T>(source: AsyncIterableIterator<T>, signal: AbortSignal): AsyncIterableIterator<T> {
  return new Repeater<T>(async (push, stop) => {
    const end = () => stop();
    if (signal.aborted) end();
    else signal.addEventListener('abort', end, { once: true });
    try {
      // race's type unwraps values that are promises, which a generic T might be; these are the source's own values.
      for await (const value of Repeater.race([source, stop])) await push(value as T);
    } finally {
      signal.removeEventListener('abort', end);
      stop();
    }
  });
}
