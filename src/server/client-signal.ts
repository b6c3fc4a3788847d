import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';

/**
 * A function giving an AbortSignal that aborts when the client goes away: the HTTP response
 * closes unfinished, or the WebSocket closes. The signal is made on first call only, since
 * most requests never need one and yoga's Request.signal costs a DOMException per request.
 */
export function clientSignalOf({ res, socket }: { res?: ServerResponse; socket?: WebSocket }): () => AbortSignal | undefined {
  let signal: AbortSignal | undefined;
  return () => {
    if (signal || (!res && !socket)) return signal;
    const controller = new AbortController();
    signal = controller.signal;
    if (res) {
      if (res.closed && !res.writableFinished) controller.abort();
      else res.once('close', () => res.writableFinished || controller.abort());
    } else if (socket) {
      if (socket.readyState >= socket.CLOSING) controller.abort();
      else socket.once('close', () => controller.abort());
    }
    return signal;
  };
}
