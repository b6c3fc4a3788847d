/** What a client command's exit code says; README "Command line" and `--help` list them. */
import { InferGraphError } from '../../clients/sdk/src/index.ts';

const EXIT = {
  OK: 0,
  /** A fault of the command itself. */
  FAULT: 1,
  /** Bad flags, a file that cannot be read or does not fit the model. */
  USAGE: 2,
  /** The server answered with an error code. */
  SERVER: 3,
  /** The server could not be reached. */
  CONNECTION: 4,
  /** Stopped by Ctrl-C, as shells report SIGINT (128 + 2). */
  INTERRUPTED: 130,
} as const;

export const EXIT_CODES_HELP = `Exit codes: 0 ok, 2 usage error (bad flags, unreadable file), 3 server error (its code and message on stderr),
4 connection failure (the server cannot be reached), 130 interrupted (Ctrl-C), 1 a fault of the command itself.
`;

/** A mistake of the caller's: a flag, an argument or a file. */
export class UsageError extends Error {}

/** The exit code of what a command threw, and the one line that says it on stderr. */
export function failureOf(error: unknown): { code: number; line: string } {
  const nodeCode = (error as { code?: unknown }).code;
  // parseArgs' refusals, and a file that cannot be read (ENOENT, EACCES, EISDIR), are the caller's to fix.
  const callers = typeof nodeCode === 'string' && (nodeCode.startsWith('ERR_PARSE_ARGS') || /^E[A-Z]+$/.test(nodeCode));
  if (error instanceof UsageError || (callers && !(error instanceof InferGraphError))) {
    return { code: EXIT.USAGE, line: (error as Error).message };
  }
  if (error instanceof InferGraphError) {
    if (error.code === 'ABORTED') return { code: EXIT.INTERRUPTED, line: 'interrupted' };
    if (error.code === 'NETWORK_ERROR') return { code: EXIT.CONNECTION, line: error.message };
    const requestId = error.requestId ? ` (request id ${error.requestId})` : '';
    return { code: EXIT.SERVER, line: `${error.code}: ${error.message}${requestId}` };
  }
  return { code: EXIT.FAULT, line: `unexpected failure: ${error instanceof Error ? error.message : String(error)}` };
}
