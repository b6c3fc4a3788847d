/** A signal that aborts when the client of a request goes away. */
import { setMaxListeners } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';

/** One signal per socket, however many operations it carries: a listener each would pile up. */
const socketSignals = new WeakMap<WebSocket, AbortSignal>();

/**
 * A function giving an AbortSignal that aborts when the client goes away: the HTTP response
 * closes unfinished, or the WebSocket closes. The signal is made on first call only, since
 * most requests never need one and yoga's Request.signal costs a DOMException per request.
 */
export function clientSignalOf({ res, socket }: { res?: ServerResponse; socket?: WebSocket }): () => AbortSignal | undefined {
  let signal: AbortSignal | undefined;
  return () => {
    if (signal || (!res && !socket)) return signal;
    if (res) {
      const controller = new AbortController();
      signal = controller.signal;
      if (res.closed && !res.writableFinished) controller.abort();
      else res.once('close', () => res.writableFinished || controller.abort());
    } else if (socket) {
      signal = socketSignals.get(socket);
      if (!signal) {
        const controller = new AbortController();
        signal = controller.signal;
        // Every request in flight on the socket listens to it; that many are expected, not a leak.
        setMaxListeners(0, signal);
        socketSignals.set(socket, signal);
        if (socket.readyState >= socket.CLOSING) controller.abort();
        else socket.once('close', () => controller.abort());
      }
    }
    return signal;
  };
}
