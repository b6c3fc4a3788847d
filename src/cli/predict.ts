/** `infergraph predict MODEL FILE`: runs a model on inputs from a file; a classifier's top-k labels, else its tensors. */
import { parseArgs } from 'node:util';
import type { Tensor } from '../../clients/sdk/src/index.ts';
import { CLIENT_FLAGS_HELP, CLIENT_OPTIONS, clientOf } from './client-flags.ts';
import { UsageError } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { modelOf } from './model-of.ts';
import { readInputs } from './read-inputs.ts';
import { withSpinner } from './spinner.ts';
import { jsonOf, tableOf } from './table.ts';
import { topKOf } from './top-k.ts';

const PREDICT_USAGE = `Usage: infergraph predict MODEL FILE [--top K] [--input NAME] [--version V] [--json] [--url URL]

Runs MODEL on the inputs in FILE and prints a classifier's K best labels with their scores, else its output tensors.

FILE is one of:
  .json              the input tensors by name: {"pixels": {"data": [0, 1, ...], "shape": [1, 256]}}
  .npy               a NumPy array, for the model's first input (or --input); a batch dimension is added when missing
  .png, .jpg, .jpeg  an image, for a model whose model.json says how to make its input from one ("preprocessing")

  --top K           how many classes to print (default 5)
  --input NAME      the input a .npy or image file fills
  --version V       a version number or an alias
${CLIENT_FLAGS_HELP}`;

/** How many elements of a tensor a person sees; --json prints them all. */
const SHOWN_ELEMENTS = 16;

export async function runPredict(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...CLIENT_OPTIONS, top: { type: 'string' }, input: { type: 'string' }, version: { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(PREDICT_USAGE);
    return 0;
  }
  const [name, file, ...extra] = positionals;
  if (!name || !file || extra.length > 0) throw new UsageError('predict takes a model and a file: infergraph predict MODEL FILE');
  const k = Number(values.top ?? 5);
  if (!Number.isInteger(k) || k < 1) throw new UsageError(`--top must be a whole number of classes, got "${values.top}"`);
  const json = values.json ?? false;

  await using client = clientOf(values, io);
  const model = await modelOf(client, name, io.signal);
  const inputs = await readInputs(file, model, values.input);
  const result = await withSpinner(`${name}: predicting`, io, json, () =>
    client.predict({ model: name, inputs, signal: io.signal, ...(values.version ? { version: values.version } : {}) }),
  );
  const [first] = Object.values(result.outputs);
  const top = first && model.labels ? topKOf(first, model.labels, k) : undefined;
  if (json) {
    io.stdout(jsonOf({ model: result.model, version: result.version, ...(top ? { top } : {}), outputs: result.outputs }));
  } else if (top) {
    io.stdout(
      tableOf(
        ['LABEL', 'SCORE'],
        top.map((ranked) => [ranked.label, ranked.score.toFixed(4)]),
      ),
    );
  } else {
    io.stdout(
      tableOf(
        ['OUTPUT', 'TYPE', 'SHAPE', 'VALUES'],
        Object.entries(result.outputs).map(([output, tensor]) => rowOf(output, tensor)),
      ),
    );
  }
  return 0;
}

function rowOf(name: string, tensor: Tensor): string[] {
  const elements = Array.from(tensor.data as ArrayLike<unknown>, (value) =>
    typeof value === 'number' ? Number(value.toPrecision(6)) : value,
  );
  const shown = elements.slice(0, SHOWN_ELEMENTS).map(String).join(' ');
  const more = elements.length > SHOWN_ELEMENTS ? ` … (${elements.length} in all)` : '';
  return [name, tensor.dataType, `[${tensor.shape.join(',')}]`, shown + more];
}
