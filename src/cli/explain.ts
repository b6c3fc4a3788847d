/** `infergraph explain MODEL FILE`: which input elements made a classifier choose its class, by occlusion or KernelSHAP. */
import { parseArgs } from 'node:util';
import type { ExplainResult } from '../../clients/sdk/src/index.ts';
import { CLIENT_FLAGS_HELP, CLIENT_OPTIONS, clientOf, numberFlag } from './client-flags.ts';
import { UsageError } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { modelOf } from './model-of.ts';
import { readInputs } from './read-inputs.ts';
import { withSpinner } from './spinner.ts';
import { jsonOf, tableOf } from './table.ts';

const EXPLAIN_USAGE = `Usage: infergraph explain MODEL FILE [--method occlusion|kernel-shap] [--target CLASS] [--patch-size N] [--json]

Attributes MODEL's score of a class to each element (or patch) of one input row read from FILE (.json, .npy or an
image, as predict reads them), and prints the elements that count most.

  --method M        occlusion (default) or kernel-shap
  --target CLASS    the class index explained (default: the top class)
  --patch-size N    square patches of N×N elements (runs of N in a flat input); default 1
  --baseline-value V  what an occluded element becomes (default 0)
  --samples N       kernel-shap: coalitions sampled
  --seed S          kernel-shap: the sampler's seed
  --top K           how many elements to print (default 10)
  --input NAME      the input explained (default the model's first)
  --version V       a version number or an alias
${CLIENT_FLAGS_HELP}`;

const METHODS = { occlusion: 'OCCLUSION', 'kernel-shap': 'KERNEL_SHAP' } as const;

export async function runExplain(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...CLIENT_OPTIONS,
      method: { type: 'string' },
      target: { type: 'string' },
      'patch-size': { type: 'string' },
      'baseline-value': { type: 'string' },
      samples: { type: 'string' },
      seed: { type: 'string' },
      top: { type: 'string' },
      input: { type: 'string' },
      version: { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(EXPLAIN_USAGE);
    return 0;
  }
  const [name, file, ...extra] = positionals;
  if (!name || !file || extra.length > 0) throw new UsageError('explain takes a model and a file: infergraph explain MODEL FILE');
  const method = METHODS[(values.method ?? 'occlusion') as keyof typeof METHODS];
  if (!method) throw new UsageError(`--method is occlusion or kernel-shap, not "${values.method}"`);
  const k = numberFlag('top', values.top) ?? 10;
  const json = values.json ?? false;

  await using client = clientOf(values, io);
  const model = await modelOf(client, name, io.signal);
  const inputs = await readInputs(file, model, values.input);
  const options = {
    method,
    target: numberFlag('target', values.target),
    patchSize: numberFlag('patch-size', values['patch-size']),
    baselineValue: numberFlag('baseline-value', values['baseline-value']),
    samples: numberFlag('samples', values.samples),
    seed: numberFlag('seed', values.seed),
    input: values.input,
    version: values.version,
  };
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const explain = await withSpinner(`${name}: explaining`, io, json, () =>
    client.explain({ model: name, inputs, signal: io.signal, ...given }),
  );
  io.stdout(json ? jsonOf(explain) : humanOf(explain, k));
  return 0;
}

function humanOf(explain: ExplainResult, k: number): string {
  const { attributions } = explain;
  const values = Array.from(attributions.data as ArrayLike<number>, Number);
  const [, ...row] = attributions.shape;
  // Where the row is an image (its last two dims), an element is told by its row and column.
  const width = row.length >= 2 ? row.at(-1)! : 0;
  const where = (index: number) => (width ? `${Math.floor(index / width) % row.at(-2)!},${index % width}` : String(index));
  const ranked = values
    .map((value, index) => ({ value, index }))
    .sort((a, b) => Math.abs(b.value) - Math.abs(a.value))
    .slice(0, k);
  const label = explain.label === null ? '' : ` (${explain.label})`;
  const summary =
    `${explain.model} v${explain.version}: class ${explain.target}${label} scored ${explain.score.toFixed(4)}; ` +
    `${explain.method} over ${explain.features} features took ${explain.evaluations} evaluations in ${explain.timing.totalMs.toFixed(0)} ms\n`;
  return (
    summary +
    tableOf(
      [width ? 'ROW,COL' : 'ELEMENT', 'ATTRIBUTION'],
      ranked.map(({ value, index }) => [where(index), value.toPrecision(4)]),
    )
  );
}
