/** `infergraph generate MODEL PROMPT`: a language model's tokens printed as they stream; Ctrl-C stops it on the server. */
import { parseArgs } from 'node:util';
import type { GenerateRequest } from '../../clients/sdk/src/index.ts';
import { CLIENT_FLAGS_HELP, CLIENT_OPTIONS, clientOf, numberFlag } from './client-flags.ts';
import { UsageError } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { jsonOf } from './table.ts';

const GENERATE_USAGE = `Usage: infergraph generate MODEL PROMPT [--max-tokens N] [--temperature T] [--top-k K] [--top-p P] [--seed S] [--stop TEXT]... [--json]

Prints the tokens MODEL continues PROMPT with, as they come. Ctrl-C stops the generation on the server (exit 130).
With --json, each event is a line of JSON as it comes.

  --max-tokens N    tokens to generate at most (the model's cap applies)
  --temperature T   0 picks the likeliest token each step; default 1
  --top-k K         sample among the K likeliest tokens
  --top-p P         sample among the likeliest tokens whose probabilities reach P
  --seed S          the same seed and prompt give the same text
  --stop TEXT       stop before TEXT (repeatable)
  --version V       a version number or an alias
${CLIENT_FLAGS_HELP}`;

export async function runGenerate(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...CLIENT_OPTIONS,
      'max-tokens': { type: 'string' },
      temperature: { type: 'string' },
      'top-k': { type: 'string' },
      'top-p': { type: 'string' },
      seed: { type: 'string' },
      stop: { type: 'string', multiple: true },
      version: { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(GENERATE_USAGE);
    return 0;
  }
  const [model, prompt, ...extra] = positionals;
  if (!model || prompt === undefined || extra.length > 0) {
    throw new UsageError('generate takes a model and a prompt: infergraph generate MODEL "PROMPT"');
  }
  const options = {
    maxTokens: numberFlag('max-tokens', values['max-tokens']),
    temperature: numberFlag('temperature', values.temperature),
    topK: numberFlag('top-k', values['top-k']),
    topP: numberFlag('top-p', values['top-p']),
    seed: numberFlag('seed', values.seed),
    stop: values.stop,
    version: values.version,
  };
  const request: GenerateRequest = {
    model,
    prompt,
    signal: io.signal,
    ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)),
  };

  await using client = clientOf(values, io);
  // Ctrl-C aborts the signal: the SDK leaves the stream, which completes the subscription and the server stops.
  for await (const event of client.generate(request)) {
    if (values.json) io.stdout(jsonOf(event, 0));
    else io.stdout(event.text);
    if (event.finishReason && !values.json) io.stdout('\n');
  }
  return 0;
}
