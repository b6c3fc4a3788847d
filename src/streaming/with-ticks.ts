/** An async iterator's values as they come, with ticks between them. */
import { createChannel } from './channel.ts';

/**
 * The values of `source` as they come, with `null` every `intervalMs` between them: for a
 * subscription that answers on change and at an interval. Returning the iterator stops both; when
 * `source` ends, the ticks stop and the iterator ends once what was pushed is read.
 */
export function withTicks<T>(source: AsyncIterableIterator<T>, intervalMs: number): AsyncIterableIterator<T | null> {
  // A tick only when the reader has read everything: a slow reader gets one, not a pile.
  const timer = setInterval(() => channel.size === 0 && channel.push(null), intervalMs);
  const channel = createChannel<T | null>({
    onReturn: () => {
      clearInterval(timer);
      void source.return?.();
    },
  });
  void (async () => {
    for await (const value of source) channel.push(value);
    clearInterval(timer);
    channel.close();
  })();
  return channel.iterator;
}
