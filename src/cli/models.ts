/** `infergraph models`: the catalog as a table, or as JSON. */
import { parseArgs } from 'node:util';
import { CLIENT_FLAGS_HELP, CLIENT_OPTIONS, clientOf } from './client-flags.ts';
import type { CliIo } from './io.ts';
import { jsonOf, tableOf } from './table.ts';

const MODELS_USAGE = `Usage: infergraph models [--json] [--url URL]

Lists the server's models: each version's state, its inputs and outputs.

${CLIENT_FLAGS_HELP}`;

export async function runModels(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: CLIENT_OPTIONS, strict: true, allowPositionals: false });
  if (values.help) {
    io.stdout(MODELS_USAGE);
    return 0;
  }
  await using client = clientOf(values, io);
  const models = await client.models({ signal: io.signal });
  if (values.json) {
    io.stdout(jsonOf(models));
    return 0;
  }
  const signature = (tensors: readonly { name: string; dataType: string; shape: readonly number[] }[]) =>
    tensors.map((tensor) => `${tensor.name} ${tensor.dataType}[${tensor.shape.join(',')}]`).join(', ');
  const rows = models.flatMap((model) =>
    model.versions.map((version) => [
      model.name,
      version.version,
      version.state,
      model.task ?? '',
      signature(version.inputs),
      signature(version.outputs),
    ]),
  );
  io.stdout(tableOf(['MODEL', 'VERSION', 'STATE', 'TASK', 'INPUTS', 'OUTPUTS'], rows));
  return 0;
}
