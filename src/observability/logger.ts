/** The server's logger: pino, one JSON object per line on stderr, pretty only when asked. */
import { pino } from 'pino';
import pretty from 'pino-pretty';

/** pino's logger: what the server logs through, created by the app's caller and passed down. */
export type Logger = pino.Logger;

export interface LoggerOptions {
  /** Lines below it are not written (nor built); `silent` writes none. @default 'info' */
  level?: pino.LevelWithSilent;
  /** `json` for collectors; `pretty` (pino-pretty, colored when a terminal) for a person reading a console. @default 'json' */
  format?: 'json' | 'pretty';
  /** Where JSON lines go; tests pass a stream they read. @default stderr */
  destination?: pino.DestinationStream;
}

/**
 * Paths never written, whatever a line carries: credentials at the top of a line, in headers (of a
 * request), or in the auth config. No line of ours logs headers or config, so this is the second line
 * of defence, for the line that someday does. Named paths, not wildcards: fast-redact walks every key
 * of every line for a wildcard, which cost 40 µs a line here (measured), the price of a whole predict's
 * GraphQL work; named paths cost about 1 µs.
 */
const REDACTED_PATHS = ['authorization', 'cookie', 'apiKey', 'token', 'password', 'jwtSecret', 'x-api-key'].flatMap((key) =>
  ['', 'headers', 'req.headers', 'request.headers', 'auth', 'config.auth'].map((parent) => `${parent}["${key}"]`),
);

/**
 * A pino logger. JSON lines go to stderr through pino's asynchronous destination: a line is written
 * as soon as the write before it is done, so that under load many lines share one write and the event
 * loop never waits on a slow reader of the pipe; pino flushes what is left, synchronously, when the
 * process exits (main.ts exits right after its last line).
 */
export function createLogger({ level = 'info', format = 'json', destination }: LoggerOptions = {}): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // `err` (pino's default key) gets the stack and the whole cause chain.
    serializers: { err: pino.stdSerializers.err },
  };
  if (format === 'pretty') return pino(options, pretty({ destination: 2, sync: true }));
  return pino(options, destination ?? pino.destination({ dest: 2, sync: false }));
}

/** A logger that writes nothing: for tests that do not read the log. */
export const silentLogger: Logger = pino({ enabled: false });
