/** A spinner on stderr while long work runs, only where a person watches: a terminal, and not --json. */
import ora from 'ora';
import type { CliIo } from './io.ts';

export async function withSpinner<Result>(text: string, { terminal }: CliIo, json: boolean, work: () => Promise<Result>): Promise<Result> {
  // A terminal of no width (a pty nobody sized) would have ora clear lines without end when it stops.
  if (!terminal?.columns || json) return work();
  // stdin stays as it is: ora would otherwise take it raw to swallow keys, and hold it open.
  const spinner = ora({ text, stream: terminal, discardStdin: false }).start();
  try {
    return await work();
  } finally {
    spinner.stop();
  }
}
