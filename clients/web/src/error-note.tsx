import { InferGraphError } from '@infergraph/client';

/** A failure as the user reads it: the server's code (or the SDK's: NETWORK_ERROR …) and its message. */
export function ErrorNote({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  const code = error instanceof InferGraphError ? error.code : 'ERROR';
  const message = error instanceof Error ? error.message : String(error);
  const requestId = error instanceof InferGraphError ? error.requestId : undefined;
  return (
    <p className="error" role="alert">
      <code>{code}</code> {message}
      {requestId && <span className="muted"> (request {requestId})</span>}
    </p>
  );
}
