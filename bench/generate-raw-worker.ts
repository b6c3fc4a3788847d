/**
 * The generation baseline: one onnxruntime session on this thread, the same session options as
 * the server's workers, decoding one stream with its KV cache back to back (the build's
 * `generate`, with the server's sampler and seeds), no messages between tokens. Then the step
 * ceiling: how long one decode run takes for B streams at a fixed past length, which bounds
 * what batching can give; raw batched decoding (B streams in lockstep, one run per step, the
 * present fed back as the past); and one stream's inter-token time after short and long prompts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { generate } from '../scripts/models/tiny-lm/generate.ts';
import { createSampler } from '../src/runtime/sampler.ts';
import type { RawGenerationRequest, RawGenerationResult } from './generate-protocol.ts';

if (!parentPort) throw new Error('generate-raw-worker.ts runs only as a worker thread');
const port = parentPort;
const request = workerData as RawGenerationRequest;

const session = await ort.InferenceSession.create(request.modelPath, {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  logSeverityLevel: 4,
});

let windowTokens = 0;
const timeToFirstTokenMs: number[] = [];
const interTokenMs: number[] = [];
let runs = 0;
let runMs = 0;

const startedAt = performance.now();
const windowStart = startedAt + request.warmupMs;
const windowEnd = windowStart + request.durationMs;
const inWindow = (at: number) => at >= windowStart && at <= windowEnd;

const run = session.run.bind(session);
session.run = (async (...args: Parameters<typeof run>) => {
  const started = performance.now();
  const outputs = await run(...args);
  const ended = performance.now();
  if (started >= windowStart && ended <= windowEnd) {
    runs++;
    runMs += ended - started;
  }
  return outputs;
}) as typeof session.run;

for (let iteration = 0; performance.now() < windowEnd; iteration++) {
  const { prompt, seed } = request.streams[iteration % request.streams.length]!;
  const sample = createSampler({ temperature: request.temperature, topK: 0, topP: 1, seed });
  const subscribedAt = performance.now();
  let last: number | null = null;
  await generate(session, {
    prompt,
    maxNewTokens: request.maxTokens,
    eosId: request.eosId,
    pick(logits) {
      const id = sample(logits);
      const at = performance.now();
      // The server sends no event for the end-of-text token; neither is it counted here.
      if (id === request.eosId) return id;
      if (inWindow(at)) windowTokens++;
      if (last === null) {
        if (subscribedAt >= windowStart && at <= windowEnd) timeToFirstTokenMs.push(at - subscribedAt);
      } else if (last >= windowStart && at <= windowEnd) {
        interTokenMs.push(at - last);
      }
      last = at;
      return id;
    },
  });
}

const batched = await batchedDecoding();
const pasts = await pastScenarios();

port.postMessage({
  batched,
  pasts,
  tokens: windowTokens,
  windowMs: request.durationMs,
  runs,
  meanRunMs: runs === 0 ? Number.NaN : runMs / runs,
  timeToFirstTokenMs,
  interTokenMs,
  ...(await stepCeiling()),
} satisfies RawGenerationResult);

/** Mean time of one decode run of B rows (one new token each) over a past of `pastLength`. */
async function stepCeiling(): Promise<Pick<RawGenerationResult, 'ceiling' | 'cache'>> {
  const meta = session.inputMetadata.find((input) => input.name === 'past_key_values.0.key');
  const [, heads, , headDim] = meta?.isTensor ? meta.shape : [];
  if (typeof heads !== 'number' || typeof headDim !== 'number')
    throw new Error('tiny-lm has no past_key_values.0.key [batch, heads, past, dim] input');
  const past = request.ceilingPastLength;
  const layers = session.inputNames.filter((name) => /^past_key_values\.\d+\.key$/.test(name)).length;
  const figures: RawGenerationResult['ceiling'] = [];
  for (const batch of request.ceilingBatches) {
    const ints = (length: number, value: (index: number) => number) => BigInt64Array.from({ length }, (_, index) => BigInt(value(index)));
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor(
        'int64',
        ints(batch, (row) => 40 + row),
        [batch, 1],
      ),
      attention_mask: new ort.Tensor(
        'int64',
        ints(batch * (past + 1), () => 1),
        [batch, past + 1],
      ),
      position_ids: new ort.Tensor(
        'int64',
        ints(batch, () => past),
        [batch, 1],
      ),
    };
    for (let layer = 0; layer < layers; layer++) {
      for (const part of ['key', 'value']) {
        const data = Float32Array.from({ length: batch * heads * past * headDim }, (_, index) => Math.sin(index) * 0.1);
        feeds[`past_key_values.${layer}.${part}`] = new ort.Tensor('float32', data, [batch, heads, past, headDim]);
      }
    }
    for (let warm = 0; warm < 20; warm++) await run(feeds);
    const started = performance.now();
    const deadline = started + request.ceilingMsPerBatch;
    let count = 0;
    while (performance.now() < deadline) {
      await run(feeds);
      count++;
    }
    figures.push({ batch, pastLength: past, stepMs: (performance.now() - started) / count });
  }
  return { ceiling: figures, cache: { layers, heads, headDim } };
}

/** B streams decoded in lockstep for `maxTokens` steps, again and again: what onnxruntime gives at B rows per run. */
async function batchedDecoding(): Promise<RawGenerationResult['batched']> {
  const { rows, durationMs } = request.batched;
  const prompts = Array.from({ length: rows }, (_, row) => request.streams[row % request.streams.length]!);
  const width = Math.max(...prompts.map(({ prompt }) => prompt.length));
  const ints = (values: number[], shape: number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), shape);
  const layers = session.inputNames.filter((name) => /^past_key_values\.\d+\.key$/.test(name));
  const meta = session.inputMetadata.find((input) => input.name === layers[0]);
  const [, heads, , headDim] = meta?.isTensor ? (meta.shape as number[]) : [];
  let tokens = 0;
  let runs = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  while (performance.now() < deadline) {
    const samplers = prompts.map(({ seed }) => createSampler({ temperature: request.temperature, topK: 0, topP: 1, seed }));
    // Prefill: prompts left-padded, as the server does.
    const pads = prompts.map(({ prompt }) => width - prompt.length);
    const maskOf = (columns: number) =>
      prompts.flatMap((_, row) => Array.from({ length: columns }, (_, column) => (column < pads[row]! ? 0 : 1)));
    let feeds: Record<string, ort.Tensor> = {
      input_ids: ints(
        prompts.flatMap(({ prompt }, row) => [...new Array<number>(pads[row]!).fill(request.eosId), ...prompt]),
        [rows, width],
      ),
      attention_mask: ints(maskOf(width), [rows, width]),
      position_ids: ints(
        prompts.flatMap((_, row) => Array.from({ length: width }, (_, column) => (column < pads[row]! ? 1 : column - pads[row]!))),
        [rows, width],
      ),
    };
    for (const name of layers) {
      for (const part of [name, name.replace('.key', '.value')])
        feeds[part] = new ort.Tensor('float32', new Float32Array(0), [rows, heads!, 0, headDim!]);
    }
    const lengths = prompts.map(({ prompt }) => prompt.length);
    for (let step = 0; step < request.maxTokens && performance.now() < deadline; step++) {
      const outputs = await run(feeds);
      runs++;
      const logits = outputs.logits!;
      const [, sequence = 0, vocabulary = 0] = logits.dims;
      const data = logits.data as Float32Array;
      const next = samplers.map((sample, row) => {
        const last = (row * sequence + sequence - 1) * vocabulary;
        return sample(data.subarray(last, last + vocabulary));
      });
      tokens += rows;
      const columns = width + step + 1;
      feeds = {
        input_ids: ints(next, [rows, 1]),
        attention_mask: ints(maskOf(columns), [rows, columns]),
        position_ids: ints(
          lengths.map((length) => length + step),
          [rows, 1],
        ),
      };
      for (const name of layers) {
        for (const part of [name, name.replace('.key', '.value')]) feeds[part] = outputs[part.replace('past_key_values', 'present')]!;
      }
    }
  }
  return { rows, tokens, windowMs: performance.now() - started, runs };
}

/** One stream at a time after a prompt of each past length: the gaps between its tokens. */
async function pastScenarios(): Promise<RawGenerationResult['pasts']> {
  const results: RawGenerationResult['pasts'] = [];
  for (const { past, prompt, maxTokens, durationMs } of request.pasts) {
    const interTokenMs: number[] = [];
    const deadline = performance.now() + durationMs;
    for (let iteration = 0; performance.now() < deadline; iteration++) {
      const sample = createSampler({ temperature: request.temperature, topK: 0, topP: 1, seed: 1 + iteration });
      let last: number | null = null;
      await generate(session, {
        prompt,
        maxNewTokens: maxTokens,
        eosId: request.eosId,
        pick(logits) {
          const id = sample(logits);
          const at = performance.now();
          if (last !== null && id !== request.eosId) interTokenMs.push(at - last);
          last = at;
          return id;
        },
      });
    }
    results.push({ past, interTokenMs });
  }
  return results;
}
