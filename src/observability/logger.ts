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
 * Paths never written, whatever a line carries: credentials a header or a setting may hold. No line
 * of ours logs headers or config, so this is the second line of defence, for the line that someday does.
 */
const REDACTED_PATHS = ['authorization', 'cookie', 'apiKey', 'token', 'password', 'jwtSecret', 'x-api-key'].flatMap((key) => {
  const step = `["${key}"]`;
  return [step, `*${step}`, `*.*${step}`];
});

/**
 * A pino logger. JSON lines are written synchronously to stderr: the per-operation line is sampled
 * (`--log-requests`), and main.ts exits the process right after its last line, which an
 * asynchronous buffer would lose.
 */
export function createLogger({ level = 'info', format = 'json', destination }: LoggerOptions = {}): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // `err` (pino's default key) gets the stack and the whole cause chain.
    serializers: { err: pino.stdSerializers.err },
  };
  if (format === 'pretty') return pino(options, pretty({ destination: 2, sync: true }));
  return pino(options, destination ?? pino.destination({ dest: 2, sync: true }));
}

/** A logger that writes nothing: for tests that do not read the log. */
export const silentLogger: Logger = pino({ enabled: false });
