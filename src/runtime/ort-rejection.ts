/**
 * How a failed `session.run` reaches a client. onnxruntime checks a run's inputs against each
 * other and against the graph (a KV cache whose length disagrees with the attention mask, dims a
 * node cannot broadcast) only while it runs, and then throws; the request passed our spec check,
 * so only onnxruntime's own words tell the client what to fix.
 */
import { InferError } from '../errors.ts';

/** Longest part of onnxruntime's message a client sees, in characters; its messages that matter fit in far less. */
const MAX_MESSAGE_CHARS = 400;

/**
 * What a session that exists and ran refused: INFERENCE_REJECTED with onnxruntime's message,
 * trimmed. Only a failure to find memory is the server's (INTERNAL): it says nothing about the
 * request that a client could fix, and the same request may pass on a quieter server.
 */
export function rejectionOf(error: unknown): InferError {
  const raw = error instanceof Error ? error.message : String(error);
  if (/\b(bad_alloc|failed to allocate|out of memory)\b/i.test(raw)) {
    return new InferError('INTERNAL', 'onnxruntime could not allocate memory for the run', { cause: error });
  }
  return new InferError('INFERENCE_REJECTED', `onnxruntime refused the inputs: ${trimOrtMessage(raw)}`);
}

/**
 * onnxruntime's message as a client may read it: one line, no source paths of onnxruntime's
 * build (`/onnxruntime_src/.../concat.cc:154` becomes `concat.cc:154`), no stack, and cut at
 * MAX_MESSAGE_CHARS so a message quoting a huge shape cannot grow an answer.
 */
export function trimOrtMessage(message: string): string {
  const text = message
    .split('\n')
    .filter((line) => !/^\s+at /.test(line))
    .join(' ')
    .replace(/(?:[A-Za-z]:)?[\\/][^\s:'"]*[\\/]([^\s\\/:'"]+)/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}
