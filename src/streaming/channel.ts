/**
 * A one-reader queue between a producer that must not block (a generation step, an event
 * bus) and an async iterator read at the client's pace. The producer sees `size` and decides
 * what to do when the reader falls behind; the channel itself never drops a value.
 */
export interface Channel<T> {
  push(value: T): void;
  /** Ends the iterator once the values already pushed are read. */
  close(): void;
  /** Values pushed and not yet read. */
  readonly size: number;
  readonly iterator: AsyncIterableIterator<T>;
}

export interface ChannelOptions {
  /** After the reader took a value. */
  onRead?: () => void;
  /** When the reader stops early (`return()`: a client's complete, a dropped socket). */
  onReturn?: () => void;
}

export function createChannel<T>({ onRead, onReturn }: ChannelOptions = {}): Channel<T> {
  const values: T[] = [];
  let closed = false;
  let waiting: ((result: IteratorResult<T>) => void) | null = null;

  const iterator: AsyncIterableIterator<T> = {
    next() {
      if (values.length > 0) {
        const value = values.shift()!;
        onRead?.();
        return Promise.resolve({ value, done: false });
      }
      if (closed) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (waiting = resolve));
    },
    return() {
      const wasOpen = !closed;
      closed = true;
      values.length = 0;
      waiting?.({ value: undefined, done: true });
      waiting = null;
      if (wasOpen) onReturn?.();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };

  return {
    push(value) {
      if (closed) return;
      if (waiting) {
        const resolve = waiting;
        waiting = null;
        resolve({ value, done: false });
        onRead?.();
      } else {
        values.push(value);
      }
    },
    close() {
      closed = true;
      if (values.length === 0) {
        waiting?.({ value: undefined, done: true });
        waiting = null;
      }
    },
    get size() {
      return values.length;
    },
    iterator,
  };
}
