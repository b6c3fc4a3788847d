/** A spinner on stderr while long work runs, only where a person watches: a terminal, and not --json. */
import ora from 'ora';
import type { CliIo } from './io.ts';

export async function withSpinner<Result>(text: string, { terminal }: CliIo, json: boolean, work: () => Promise<Result>): Promise<Result> {
  if (!terminal || json) return work();
  const spinner = ora({ text, stream: terminal }).start();
  try {
    return await work();
  } finally {
    spinner.stop();
  }
}
