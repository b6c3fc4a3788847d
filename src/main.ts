/** The command line: the only place that touches the process (arguments, signals, exit). */
import { runKeysCommand } from './cli/keys.ts';
import { CLIENT_COMMANDS, COMMANDS_USAGE, runClientCommand } from './cli/run-client-command.ts';
import type { Config } from './config.ts';
import type { App } from './server/create-app.ts';

const [command, ...commandArgs] = process.argv.slice(2);
const clientCommand = command === undefined ? undefined : CLIENT_COMMANDS[command];
if (clientCommand) {
  const interrupt = new AbortController();
  // The first Ctrl-C lets the command leave its stream (which cancels it on the server); a second one does not wait.
  process.on('SIGINT', () => (interrupt.signal.aborted ? process.exit(130) : interrupt.abort()));
  const code = await runClientCommand(clientCommand, commandArgs, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    terminal: process.stderr.isTTY ? process.stderr : undefined,
    signal: interrupt.signal,
  });
  // Exit once stdout is flushed: a piped stdout is written asynchronously.
  process.stdout.write('', () => process.exit(code));
} else if (command === 'help' || command === '--help' || command === '-h') {
  process.stdout.write(COMMANDS_USAGE);
  process.exit(0);
} else if (command === 'keys') {
  process.exit(
    runKeysCommand(process.argv.slice(3), {
      defaultKeysFile: process.env.AUTH_KEYS_FILE,
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    }),
  );
} else {
  await serve(command === 'serve' ? commandArgs : process.argv.slice(2));
}

/** `infergraph serve` (or no command): today's server, until SIGTERM or SIGINT drains it. */
async function serve(args: string[]): Promise<void> {
  // Loaded here, not at the top: the client commands start in a fraction of the time without the server's modules.
  const [{ loadConfig, USAGE }, { createLogger }, { createApp }] = await Promise.all([
    import('./config.ts'),
    import('./observability/logger.ts'),
    import('./server/create-app.ts'),
  ]);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\nThe other commands: infergraph --help\n`);
    process.exit(0);
  }

  let config: Config;
  try {
    config = loadConfig(args);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }

  const logger = createLogger(config.logging);

  let app: App;
  try {
    app = createApp(config, { logger });
  } catch (error) {
    // A server that cannot start as configured (TLS files that cannot serve, a keys file others can read) says why, without a stack.
    process.stderr.write(`infergraph cannot start: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const url = await app.listen();
  const healthPort = app.healthServer?.address()?.port;
  logger.info(
    { url, models: config.modelRepository, workers: config.workers, ...(healthPort === undefined ? {} : { healthPort }) },
    'infergraph listening',
  );

  /**
   * Past the drain window, how long the answers that cut off what is left may take to reach their
   * clients before the process exits anyway: a client that does not read must not hold the exit.
   */
  const CUT_OFF_GRACE_MS = 1000;

  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return process.exit(1);
      stopping = true;
      const { drainTimeoutMs } = config.shutdown;
      logger.info({ signal, drainTimeoutMs }, 'shutting down');
      let cutOff = false;
      // Past the drain window what is left is answered MODEL_NOT_READY ("retry") rather than cut, and the exit code says so.
      const deadline = setTimeout(() => {
        cutOff = true;
        logger.error({ drainTimeoutMs }, 'unclean shutdown: in-flight work outlived the drain window');
        setTimeout(() => process.exit(1), CUT_OFF_GRACE_MS);
        app.cutOff().then(
          () => process.exit(1),
          (error: unknown) => {
            logger.error({ err: error }, 'cannot answer what is left');
            process.exit(1);
          },
        );
      }, drainTimeoutMs);
      deadline.unref();
      app.dispose().then(
        () => {
          // Past the window the cut-off owns the exit: the drain may yet end (what held it was answered), but not cleanly.
          if (cutOff) return;
          logger.info({ signal }, 'shut down cleanly');
          process.exit(0);
        },
        (error: unknown) => {
          if (cutOff) return;
          logger.error({ err: error }, 'unclean shutdown');
          process.exit(1);
        },
      );
    });
  }
}
