/**
 * Before a server is measured: each sample sent once over every transport the run measures, one request at a time,
 * and each answer's outputs compared with GraphQL's JSON predict's (`http-base64`): names, datatypes, shapes and
 * every byte. A request sent alone runs alone (batch 1), so a model gives the same bits whichever way the tensor
 * came and went back; a transport that decodes or encodes a tensor wrongly stops the run before it is timed.
 */
import { Buffer } from 'node:buffer';
import type { ModelSamples } from './samples.ts';
import type { ServerProcess } from './server-process.ts';
import { type AnswerOutput, openTransport, type TransportName } from './transports.ts';

const REFERENCE: TransportName = 'http-base64';

export interface AnswerCheck {
  server: ServerProcess;
  model: string;
  input: string;
  samples: ModelSamples;
  transports: readonly TransportName[];
}

/** Resolves with a line saying what was compared; throws naming the first sample and transport whose answer differs. */
export async function checkAnswers({ server, model, input, samples, transports }: AnswerCheck): Promise<string> {
  const answersOver = async (transport: TransportName) => {
    const options = { url: server.url, wsUrl: server.wsUrl, origin: server.origin, model, input, samples, concurrency: 1 };
    await using client = await openTransport(transport, options);
    const answers: AnswerOutput[][] = [];
    for (let index = 0; index < samples.rows.length; index++) answers.push(byName((await client.send(index)).outputs()));
    return answers;
  };
  const reference = await answersOver(REFERENCE);
  const others = transports.filter((transport) => transport !== REFERENCE);
  for (const transport of others) {
    const answers = await answersOver(transport);
    for (const [index, outputs] of answers.entries()) {
      const difference = differs(reference[index]!, outputs);
      if (difference) throw new Error(`${model}, sample ${index}: ${transport} answers otherwise than ${REFERENCE}: ${difference}`);
    }
  }
  return `${model}: ${samples.rows.length} samples over ${[REFERENCE, ...others].join(', ')}: the same ${heads(reference[0]!)}, bit for bit`;
}

function byName(outputs: AnswerOutput[]): AnswerOutput[] {
  return outputs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function heads(outputs: readonly AnswerOutput[]): string {
  return outputs.map((output) => `${output.name} ${output.dataType} [${output.shape.join(',')}]`).join('; ');
}

function differs(expected: readonly AnswerOutput[], actual: readonly AnswerOutput[]): string | null {
  if (heads(expected) !== heads(actual)) return `outputs ${heads(actual)}, expected ${heads(expected)}`;
  const other = expected.find((output, index) => !Buffer.from(output.bytes).equals(actual[index]!.bytes));
  return other ? `output "${other.name}" has other values` : null;
}
