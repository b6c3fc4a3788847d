/** `infergraph ocr IMAGE`: reads the text in an image file with the server's OCR pipeline and prints it. */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { PipelineRegion } from '../../clients/sdk/src/index.ts';
import { CLIENT_FLAGS_HELP, CLIENT_OPTIONS, clientOf, numberFlag } from './client-flags.ts';
import { UsageError } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { withSpinner } from './spinner.ts';
import { jsonOf, tableOf } from './table.ts';

const OCR_USAGE = `Usage: infergraph ocr IMAGE [--model PIPELINE] [--boxes] [--timeout-ms N] [--json] [--url URL]

Reads the text in IMAGE (a PNG, JPEG or WebP file) with a pipeline of the server's and prints it: one line per
text line found, in reading order, each as it reads (a line printed upside down comes out the right way up).

  --model PIPELINE  the pipeline to run (default ocr)
  --boxes           a table of the lines instead: where each lies in the image, how it was turned, its text
  --timeout-ms N    the deadline over all the pipeline's steps, in ms
${CLIENT_FLAGS_HELP}`;

/** Whether a file starts as the image files the server reads do: anything else is refused here, before it is sent. */
function isImageFile(bytes: Buffer): boolean {
  const png = bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const jpeg = bytes.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]));
  const webp = bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP';
  return png || jpeg || webp;
}

export async function runOcr(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...CLIENT_OPTIONS, model: { type: 'string' }, boxes: { type: 'boolean' }, 'timeout-ms': { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(OCR_USAGE);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw new UsageError('ocr takes one image file: infergraph ocr IMAGE');
  const timeoutMs = numberFlag('timeout-ms', values['timeout-ms']);
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    throw new UsageError(`--timeout-ms must be a whole number of ms above 0, got "${values['timeout-ms']}"`);
  }
  const model = values.model ?? 'ocr';
  const json = values.json ?? false;

  const image = await readFile(file);
  if (!isImageFile(image)) throw new UsageError(`${file} is not a PNG, JPEG or WebP image`);
  await using client = clientOf(values, io);
  const result = await withSpinner(`${model}: reading`, io, json, () =>
    client.ocr(image, { model, signal: io.signal, ...(timeoutMs === undefined ? {} : { timeoutMs }) }),
  );
  if (json) io.stdout(jsonOf(result));
  else if (values.boxes)
    io.stdout(tableOf(['LEFT', 'TOP', 'RIGHT', 'BOTTOM', 'ROTATION', 'CONFIDENCE', 'TEXT'], result.regions.map(rowOf)));
  else if (result.text) io.stdout(`${result.text}\n`);
  return 0;
}

/** A region as a row: the box around its polygon in whole pixels, its turn, and what was read. */
function rowOf({ polygon, rotation, confidence, text }: PipelineRegion): string[] {
  const xs = polygon.map((point) => point.x);
  const ys = polygon.map((point) => point.y);
  const box = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)].map((value) => String(Math.round(value)));
  return [...box, String(rotation), confidence === null ? '' : confidence.toFixed(4), text ?? ''];
}
