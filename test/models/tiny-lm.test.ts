/**
 * The tiny LM as the server and its users meet it: built into a temporary repository by the
 * build step, loaded with onnxruntime-node and @huggingface/tokenizers, and driven the way a
 * generation loop with a KV cache and left-padded batches drives an Optimum-exported decoder.
 * The model without a cache, the reference for the cached one, is built in memory by the same code.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModelRepository } from '../../scripts/models/build-repository.ts';
import { createRandom } from '../../scripts/models/prng.ts';
import { readCorpusDocuments } from '../../scripts/models/tiny-lm/corpus.ts';
import { argmax, generate } from '../../scripts/models/tiny-lm/generate.ts';
import { createTinyLm } from '../../scripts/models/tiny-lm/tiny-lm.ts';
import { tinyLm } from '../../scripts/models/tiny-lm/tiny-lm-recipe.ts';
import { modelConfigSchema } from '../../src/repository/model-config.ts';

/**
 * What we use of @huggingface/tokenizers' Tokenizer. Its .d.ts files import one another without
 * extensions, which NodeNext resolution does not follow, so the class reaches us as `any`.
 */
interface TextTokenizer {
  encode(text: string): { ids: number[] };
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
  token_to_id(token: string): number | undefined;
}

const HEADS = 2;
const HEAD_DIM = 98;
const VOCAB = 98;

let dir: string;
let modelDir: string;
let cached: ort.InferenceSession;
let uncached: ort.InferenceSession;
let tokenizer: TextTokenizer;
let eosId: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'infergraph-tiny-lm-'));
  modelDir = join(dir, 'tiny-lm');
  await buildModelRepository({ dir, recipes: [tinyLm], log: () => {} });
  cached = await ort.InferenceSession.create(join(modelDir, '1', 'model.onnx'), { intraOpNumThreads: 1 });
  uncached = await ort.InferenceSession.create((await createTinyLm({ kvCache: false })).model, { intraOpNumThreads: 1 });
  const config = await readJson('tokenizer_config.json');
  tokenizer = new Tokenizer(await readJson('tokenizer.json'), config);
  eosId = tokenizer.token_to_id(config.eos_token as string)!;
});

afterAll(async () => {
  await Promise.all([cached?.release(), uncached?.release()]);
  await rm(dir, { recursive: true, force: true });
});

async function readJson(file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(modelDir, file), 'utf8')) as Record<string, unknown>;
}

function int64(rows: readonly (readonly number[])[]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0]!.length]);
}

interface Past {
  key: ort.Tensor;
  value: ort.Tensor;
}

const emptyPast = (batch: number): Past => ({
  key: new ort.Tensor('float32', new Float32Array(0), [batch, HEADS, 0, HEAD_DIM]),
  value: new ort.Tensor('float32', new Float32Array(0), [batch, HEADS, 0, HEAD_DIM]),
});

interface StepOutput {
  /** [batch, new tokens, vocab] */
  logits: ort.Tensor;
  /** The past of the next step. */
  present: Past;
}

/** One run of the cached model. */
async function step(ids: number[][], mask: number[][], positions: number[][], past: Past): Promise<StepOutput> {
  const outputs = await cached.run({
    input_ids: int64(ids),
    attention_mask: int64(mask),
    position_ids: int64(positions),
    'past_key_values.0.key': past.key,
    'past_key_values.0.value': past.value,
  });
  return { logits: outputs.logits!, present: { key: outputs['present.0.key']!, value: outputs['present.0.value']! } };
}

/** Logits of the last position of each row of the cached model's output. */
function lastRows(logits: ort.Tensor): Float32Array[] {
  const [batch, length, vocab] = logits.dims as [number, number, number];
  const data = logits.data as Float32Array;
  return Array.from({ length: batch }, (_, row) => data.slice(((row + 1) * length - 1) * vocab, (row + 1) * length * vocab));
}

/** The uncached model's logits for the last token of `ids`, recomputing the whole text. */
async function recomputed(ids: number[]): Promise<Float32Array> {
  const { logits } = await uncached.run({
    input_ids: int64([ids]),
    attention_mask: int64([ids.map(() => 1)]),
    position_ids: int64([ids.map((_, i) => i)]),
  });
  return lastRows(logits!)[0]!;
}

async function nextLogits(text: string): Promise<Float32Array> {
  return recomputed(tokenizer.encode(text).ids);
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  return a.reduce((max, value, i) => Math.max(max, Math.abs(value - b[i]!)), 0);
}

async function complete(prompt: string, maxNewTokens: number, pick?: (logits: Float32Array) => number): Promise<string> {
  const ids = await generate(cached, { prompt: tokenizer.encode(prompt).ids, maxNewTokens, eosId, ...(pick ? { pick } : {}) });
  return tokenizer.decode(ids, { skip_special_tokens: true });
}

async function corpusWordShare(text: string): Promise<number> {
  const normalise = (word: string): string => word.toLowerCase().replace(/[^a-z]/g, '');
  const corpus = new Set((await readCorpusDocuments()).join(' ').split(' ').map(normalise));
  const words = text
    .split(' ')
    .map(normalise)
    .filter((word) => word !== '');
  return words.filter((word) => corpus.has(word)).length / words.length;
}

describe('tiny-lm in the repository', () => {
  it('should describe itself as text generation with a config the server accepts and no labels', async () => {
    const config = await readJson('model.json');
    expect(modelConfigSchema.safeParse(config).success).toBe(true);
    expect(config).toMatchObject({ task: 'text-generation' });
    await expect(stat(join(modelDir, 'labels.txt'))).rejects.toThrow();
  });

  it('should name its end-of-text token in tokenizer_config.json', async () => {
    expect(await readJson('tokenizer_config.json')).toMatchObject({ eos_token: '<|endoftext|>', clean_up_tokenization_spaces: false });
    expect(eosId).toBe(0);
  });

  it('should be small', async () => {
    expect((await stat(join(modelDir, '1', 'model.onnx'))).size).toBeLessThan(5e6);
  });

  it('should skip the model when nothing changed', async () => {
    const path = join(modelDir, '1', 'model.onnx');
    const before = await stat(path);
    const lines: string[] = [];
    expect(await buildModelRepository({ dir, recipes: [tinyLm], log: (line) => lines.push(line) })).toMatchObject([{ built: false }]);
    expect(lines).toEqual(['tiny-lm: up to date']);
    expect((await stat(path)).mtimeMs).toBe(before.mtimeMs);
  });
});

describe('tiny-lm signature', () => {
  it('should take and return what Optimum exports for a GPT-2 style decoder with past', () => {
    const past = ['batch_size', HEADS, 'past_sequence_length', HEAD_DIM];
    const present = ['batch_size', HEADS, 'past_sequence_length + sequence_length', HEAD_DIM];
    const tensor = (name: string, type: string, shape: unknown[]): unknown => ({ name, isTensor: true, type, shape });
    expect(cached.inputMetadata).toEqual([
      tensor('input_ids', 'int64', ['batch_size', 'sequence_length']),
      tensor('attention_mask', 'int64', ['batch_size', 'past_sequence_length + sequence_length']),
      tensor('position_ids', 'int64', ['batch_size', 'sequence_length']),
      tensor('past_key_values.0.key', 'float32', past),
      tensor('past_key_values.0.value', 'float32', past),
    ]);
    expect(cached.outputMetadata).toEqual([
      tensor('logits', 'float32', ['batch_size', 'sequence_length', VOCAB]),
      tensor('present.0.key', 'float32', present),
      tensor('present.0.value', 'float32', present),
    ]);
  });

  it('should drop past and present from the model without a cache', () => {
    expect(uncached.inputNames).toEqual(['input_ids', 'attention_mask', 'position_ids']);
    expect(uncached.outputNames).toEqual(['logits']);
  });
});

describe('tiny-lm decoding', () => {
  it('should give the same logits with the KV cache as recomputing the whole text', async () => {
    const ids = tokenizer.encode('The ferry crosses the').ids;
    let { logits, present } = await step([ids.slice(0, 5)], [[1, 1, 1, 1, 1]], [[0, 1, 2, 3, 4]], emptyPast(1));
    expect(logits.dims).toEqual([1, 5, VOCAB]);
    expect(present.key.dims).toEqual([1, HEADS, 5, HEAD_DIM]);
    expect(maxDifference(lastRows(logits)[0]!, await recomputed(ids.slice(0, 5)))).toBeLessThan(1e-4);
    for (let length = 6; length <= 15; length++) {
      ({ logits, present } = await step([[ids[length - 1]!]], [new Array<number>(length).fill(1)], [[length - 1]], present));
      expect(present.value.dims).toEqual([1, HEADS, length, HEAD_DIM]);
      expect(maxDifference(lastRows(logits)[0]!, await recomputed(ids.slice(0, length)))).toBeLessThan(1e-4);
    }
  });

  it('should give each row of a left-padded batch the logits it gets alone', async () => {
    const prompts = ['The town sits', 'In spring', 'A'].map((text) => tokenizer.encode(text).ids);
    const width = Math.max(...prompts.map((ids) => ids.length));
    // Padding slots hold arbitrary tokens: the mask alone must keep them out.
    const filler = tokenizer.encode('xyz!'.repeat(width)).ids;
    const ids = prompts.map((row) => [...filler.slice(0, width - row.length), ...row]);
    const mask = prompts.map((row) => [...new Array<number>(width - row.length).fill(0), ...row.map(() => 1)]);
    // As Hugging Face computes them: cumsum(mask) - 1, and 1 where masked.
    const positions = (rows: number[][]): number[][] =>
      rows.map((row) => row.map((bit, i) => (bit === 0 ? 1 : row.slice(0, i + 1).reduce((a, b) => a + b) - 1)));
    let batch = await step(ids, mask, positions(mask), emptyPast(prompts.length));
    const alone: StepOutput[] = await Promise.all(
      prompts.map((row) => step([row], [row.map(() => 1)], [row.map((_, i) => i)], emptyPast(1))),
    );
    const expectRowsAlike = (): void => {
      const rows = lastRows(batch.logits);
      for (const [r, { logits }] of alone.entries()) expect(maxDifference(rows[r]!, lastRows(logits)[0]!)).toBeLessThan(1e-4);
    };
    expectRowsAlike();
    for (const token of tokenizer.encode(' by the river').ids) {
      for (const row of mask) row.push(1);
      batch = await step(
        prompts.map(() => [token]),
        mask,
        positions(mask).map((row) => row.slice(-1)),
        batch.present,
      );
      for (const [r, { present }] of alone.entries()) {
        const length = present.key.dims[2]! + 1;
        alone[r] = await step([[token]], [new Array<number>(length).fill(1)], [[length - 1]], present);
      }
      expectRowsAlike();
    }
  });

  it('should depend on the token two positions back, through attention', async () => {
    expect(maxDifference(await nextLogits('At the'), await nextLogits('At she'))).toBeGreaterThan(0.5);
    expect(maxDifference(await nextLogits('the b'), await nextLogits('tha b'))).toBeGreaterThan(0.5);
  });

  it('should continue a prompt greedily with words of the corpus, differently for different prompts', async () => {
    const [the, she] = await Promise.all([complete('The ', 200), complete('When she', 200)]);
    expect(await corpusWordShare(the)).toBeGreaterThanOrEqual(0.6);
    expect(await corpusWordShare(she)).toBeGreaterThanOrEqual(0.6);
    expect(the.slice(0, 20)).not.toEqual(she.slice(0, 20));
  });

  it('should sample text that is mostly corpus words and end where the corpus ends a paragraph', async () => {
    const random = createRandom(7);
    const sample = (logits: Float32Array): number => {
      const weights = Array.from(logits, (logit) => Math.exp(logit));
      let u = random.next() * weights.reduce((a, b) => a + b);
      return weights.findIndex((weight) => {
        u -= weight;
        return u < 0;
      });
    };
    const texts = await Promise.all(Array.from({ length: 8 }, () => complete('The ', 300, sample)));
    expect(await corpusWordShare(texts.join(' '))).toBeGreaterThanOrEqual(0.5);
    expect(argmax(await nextLogits('they feel that they have come home.'))).toBe(eosId);
  });
});

describe('tiny-lm tokenizer', () => {
  it('should encode one id per character and decode back to the same text', () => {
    // Spaces before punctuation too, which decode's default clean-up would remove.
    const text = 'The keeper\'s lamp , at 9:30 -- "quiet" (mostly) ? {yes}\n  it \'s 100% & <done> .';
    const { ids } = tokenizer.encode(text);
    expect(ids).toHaveLength(text.length);
    expect(tokenizer.decode(ids)).toBe(text);
  });

  it('should map characters outside the vocabulary to <unk> and keep end-of-text whole', () => {
    const { ids } = tokenizer.encode('café<|endoftext|>');
    expect(ids).toEqual([...tokenizer.encode('caf').ids, tokenizer.token_to_id('<unk>'), eosId]);
    expect(tokenizer.decode(ids, { skip_special_tokens: true })).toBe('caf');
  });
});
