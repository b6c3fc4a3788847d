/**
 * Continuous batching for one decoder model version: a scheduler, so it runs past the usual
 * file size.
 *
 * Streams join and leave between steps. Each step makes at most two runs, side by side on the
 * worker pool: one prefill of every stream that arrived since the last step (their prompts
 * left-padded into one batch), and one decode step of every active stream (their caches
 * left-padded to the longest; the attention mask hides the padding, position ids count only
 * real tokens). A stream enters decoding at the step after its prefill. A decoder without a
 * KV cache re-runs each stream's whole sequence every step instead.
 *
 * Backpressure: each stream buffers at most `maxBufferedEvents` events its client has not
 * read. A stream whose buffer is full sits out the steps (keeping its cache) until the client
 * reads, so a slow reader costs the server its cache, never an unbounded buffer.
 */
import { InferError, toInferError } from '../../errors.ts';
import type { Tensor } from '../../runtime/tensor.ts';
import type { RunResult } from '../../runtime/worker-protocol.ts';
import { type Channel, createChannel } from '../channel.ts';
import type { DecoderSignature } from './decoder-signature.ts';
import { leftPadded, stackPast, unstackPresent } from './kv-cache.ts';
import { createSampler, type SamplingOptions } from './sampler.ts';
import { createTextStream, type TextStream } from './text-stream.ts';
import type { TextTokenizer } from './text-tokenizer.ts';

export const FINISH_REASONS = ['LENGTH', 'STOP', 'EOS', 'CANCELLED', 'ERROR'] as const;
export type FinishReason = (typeof FINISH_REASONS)[number];

export type GenerationEvent =
  | { kind: 'token'; index: number; tokenId: number; text: string }
  | {
      kind: 'finish';
      index: number;
      reason: FinishReason;
      /** Text held back until the end (a possible start of a stop sequence that was not one). */
      text: string;
      promptTokens: number;
      completionTokens: number;
      timeToFirstTokenMs: number | null;
      error: InferError | null;
    };

export interface GenerationRequest extends SamplingOptions {
  promptIds: number[];
  maxTokens: number;
  stop: string[];
  /** The caller's trace span, opaque here: handed back in `onStreamEnd`. */
  trace?: unknown;
}

/** One stream as it ended (finished, or left by its client), for its trace span: times are `performance.now()` ms. */
export interface StreamReport {
  trace: unknown;
  startedAt: number;
  firstTokenAt: number | null;
  endedAt: number;
  /** CANCELLED for a stream its client left. */
  reason: FinishReason;
  promptTokens: number;
  completionTokens: number;
}

export interface EngineRunner {
  run(feeds: Record<string, Tensor>, outputs: string[] | null): Promise<RunResult>;
}

export interface GenerationEngineOptions {
  /** `model "tiny-lm" v1`, for messages. */
  label: string;
  runner: EngineRunner;
  decoder: DecoderSignature;
  tokenizer: TextTokenizer;
  /** Streams running or waiting at once; past it a new one gets OVERLOADED. */
  maxStreams: number;
  /** The longest sequence (prompt and generated) the model takes. */
  maxSequenceLength: number;
  /** Events a stream holds for a client that has not read them. */
  maxBufferedEvents: number;
  /** Called with each latency as it is measured, for the model's figures. */
  onTiming?: (kind: 'timeToFirstToken' | 'interToken', ms: number) => void;
  /** Called once as each stream finishes, with why and its token counts, for the metrics. */
  onFinish?: (reason: FinishReason, promptTokens: number, completionTokens: number) => void;
  /** Called once as each stream ends, finished or left by its client, for its trace span. */
  onStreamEnd?: (stream: StreamReport) => void;
}

export interface EngineStats {
  activeStreams: number;
  waitingStreams: number;
  steps: number;
  stepRows: number;
  tokens: number;
}

export interface GenerationEngine {
  /** Starts a stream; its events arrive on the returned iterator, whose `return()` cancels it. */
  start(request: GenerationRequest): AsyncIterableIterator<GenerationEvent>;
  stats(): EngineStats;
  /** Resolves once no stream is open. */
  drained(): Promise<void>;
  /** Finishes every stream with CANCELLED and waits for the step in flight. */
  close(): Promise<void>;
}

interface Stream {
  ids: number[];
  promptLength: number;
  /** Per cache input name, this stream's own [1, H, L, D] past; empty until its prefill. */
  past: Map<string, Tensor>;
  prefilled: boolean;
  generated: number;
  maxTokens: number;
  pick: (logits: Float32Array) => number;
  text: TextStream;
  channel: Channel<GenerationEvent>;
  startedAt: number;
  firstTokenAt: number | null;
  lastTokenAt: number;
  done: boolean;
  trace: unknown;
}

export function createGenerationEngine(options: GenerationEngineOptions): GenerationEngine {
  const { label, runner, decoder, tokenizer, maxStreams, maxSequenceLength, maxBufferedEvents, onTiming, onFinish, onStreamEnd } = options;
  const streams = new Set<Stream>();
  const stats = { steps: 0, stepRows: 0, tokens: 0 };
  let looping: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  let closed = false;
  const cached = decoder.layers.length > 0;
  const cacheShape = { heads: decoder.heads, headDim: decoder.headDim, dataType: decoder.cacheDataType };
  /**
   * The last decode step: its streams in row order and its present. While the next step has the
   * same streams, that present is its past as it is (same rows, same padding), so the cache is
   * neither cut per stream nor stacked again; that copying, and the garbage it made, once cost
   * more than the runs. Streams joining or leaving cut it back into each stream's own past.
   */
  let lastStep: { streams: Stream[]; present: Map<string, Tensor>; lengths: number[] } | null = null;

  function releaseLastStep(): void {
    if (!lastStep) return;
    const { streams: rows, present, lengths } = lastStep;
    lastStep = null;
    givePast(rows, present, lengths);
  }

  /** Each stream keeps its own rows of a run's present, without the padding, as its next past. */
  function givePast(rows: Stream[], present: ReadonlyMap<string, Tensor>, lengths: number[]): void {
    for (const [pastName, tensor] of present) {
      const pieces = unstackPresent(tensor, lengths);
      for (const [row, stream] of rows.entries()) stream.past.set(pastName, pieces[row]!);
    }
  }

  function continuesLastStep(batch: Stream[]): boolean {
    return lastStep !== null && lastStep.streams.length === batch.length && batch.every((stream, row) => lastStep!.streams[row] === stream);
  }

  function poke(): void {
    wake?.();
    wake = null;
    looping ??= loop()
      .catch((error: unknown) => {
        // Nothing above should throw; if it does, every stream ends rather than hanging.
        for (const stream of [...streams]) finish(stream, 'ERROR', toInferError(error));
      })
      .finally(() => (looping = null));
  }

  async function loop(): Promise<void> {
    while (streams.size > 0) {
      const ready = [...streams].filter((stream) => !stream.done && stream.channel.size < maxBufferedEvents);
      if (ready.length === 0) {
        // Every stream waits for its reader: sleep until one reads, or a stream comes or goes.
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      const steps = cached
        ? [step(ready.filter((stream) => !stream.prefilled)), step(ready.filter((stream) => stream.prefilled))]
        : [step(ready)];
      await Promise.all(steps);
    }
  }

  /** One run over `batch` (or one per stream when the model cannot take padded rows). */
  async function step(batch: Stream[]): Promise<void> {
    if (batch.length === 0) return;
    if (!decoder.attentionMask || !decoder.positionIds) {
      await Promise.all(batch.map((stream) => runRows([stream])));
    } else {
      await runRows(batch);
    }
  }

  async function runRows(batch: Stream[]): Promise<void> {
    const decoding = cached && batch[0]!.prefilled;
    // Decoding feeds only the newest token; prefill (and every step without a cache) the whole sequence so far.
    const rows = batch.map((stream) => (decoding ? stream.ids.slice(-1) : stream.ids));
    const pastLengths = batch.map((stream) => (decoding ? stream.ids.length - 1 : 0));
    const padded = leftPadded(rows, pastLengths, tokenizer.padId);
    const feeds: Record<string, Tensor> = { input_ids: padded.inputIds };
    if (decoder.attentionMask) feeds.attention_mask = padded.attentionMask;
    if (decoder.positionIds) feeds.position_ids = padded.positionIds;
    const reuse = decoding && continuesLastStep(batch);
    if (decoding && !reuse) releaseLastStep();
    for (const layer of decoder.layers) {
      for (const name of [layer.pastKey, layer.pastValue]) {
        feeds[name] = reuse
          ? lastStep!.present.get(name)!
          : stackPast(
              batch.map((stream) => stream.past.get(name) ?? null),
              padded.maxPast,
              cacheShape,
            );
      }
    }
    // The reused present is sent to the worker (its buffers move there), so it is no past of anyone's now.
    if (reuse) lastStep = null;
    let result: RunResult;
    try {
      result = await runner.run(feeds, null);
    } catch (error) {
      // The server built these feeds, not the client: onnxruntime refusing them is our fault, not theirs.
      const failure = toInferError(error);
      const ours = failure.code === 'INFERENCE_REJECTED' ? new InferError('INTERNAL', failure.message, { cause: failure }) : failure;
      for (const stream of batch) finish(stream, 'ERROR', ours);
      return;
    }
    stats.steps++;
    stats.stepRows += batch.length;

    const ownLengths = batch.map((_stream, row) => pastLengths[row]! + rows[row]!.length);
    try {
      // Per cache input, the output that holds its next value.
      const present = new Map(
        decoder.layers.flatMap(
          (layer) =>
            [
              [layer.pastKey, result.outputs[layer.presentKey]!],
              [layer.pastValue, result.outputs[layer.presentValue]!],
            ] as const,
        ),
      );
      if (decoding) lastStep = { streams: batch, present, lengths: ownLengths };
      else givePast(batch, present, ownLengths);
    } catch (error) {
      for (const stream of batch) finish(stream, 'ERROR', toInferError(error));
      return;
    }
    const logits = result.outputs.logits!;
    const [, width = 0, vocabulary = 0] = logits.shape;
    const data = logits.data as Float32Array;
    batch.forEach((stream, row) => {
      if (stream.done) return;
      stream.prefilled = true;
      const last = (row * width + width - 1) * vocabulary;
      try {
        accept(stream, stream.pick(data.subarray(last, last + vocabulary)));
      } catch (error) {
        // A tokenizer or sampler failure ends this stream only.
        finish(stream, 'ERROR', toInferError(error));
      }
    });
  }

  function accept(stream: Stream, tokenId: number): void {
    const now = performance.now();
    if (stream.firstTokenAt === null) {
      stream.firstTokenAt = now;
      onTiming?.('timeToFirstToken', now - stream.startedAt);
    } else {
      onTiming?.('interToken', now - stream.lastTokenAt);
    }
    stream.lastTokenAt = now;
    stats.tokens++;
    if (tokenizer.eosIds.includes(tokenId)) {
      finish(stream, 'EOS');
      return;
    }
    stream.ids.push(tokenId);
    const index = stream.generated++;
    const { delta, stopped } = stream.text.push(tokenId);
    stream.channel.push({ kind: 'token', index, tokenId, text: delta });
    if (stopped) {
      finish(stream, 'STOP');
      return;
    }
    if (stream.generated >= stream.maxTokens || stream.ids.length >= maxSequenceLength) finish(stream, 'LENGTH');
  }

  function finish(stream: Stream, reason: FinishReason, error: InferError | null = null): void {
    if (stream.done) return;
    stream.done = true;
    streams.delete(stream);
    stream.channel.push({
      kind: 'finish',
      index: stream.generated,
      reason,
      text: reason === 'STOP' || reason === 'ERROR' ? '' : stream.text.flush(),
      promptTokens: stream.promptLength,
      completionTokens: stream.generated,
      timeToFirstTokenMs: stream.firstTokenAt === null ? null : stream.firstTokenAt - stream.startedAt,
      error,
    });
    stream.channel.close();
    onFinish?.(reason, stream.promptLength, stream.generated);
    reportEnd(stream, reason);
  }

  function reportEnd(stream: Stream, reason: FinishReason): void {
    onStreamEnd?.({
      trace: stream.trace,
      startedAt: stream.startedAt,
      firstTokenAt: stream.firstTokenAt,
      endedAt: performance.now(),
      reason,
      promptTokens: stream.promptLength,
      completionTokens: stream.generated,
    });
  }

  return {
    start({ promptIds, maxTokens, stop, trace, ...sampling }) {
      if (closed) throw new InferError('MODEL_NOT_READY', `${label} is shutting down`);
      if (streams.size >= maxStreams) {
        throw new InferError('OVERLOADED', `${label} runs ${streams.size} streams (maxStreams ${maxStreams}); retry later`);
      }
      if (promptIds.length === 0) throw new InferError('INVALID_ARGUMENT', `${label}: the prompt is empty`);
      if (promptIds.length >= maxSequenceLength) {
        throw new InferError(
          'INVALID_ARGUMENT',
          `${label}: the prompt has ${promptIds.length} tokens, the model takes fewer than ${maxSequenceLength}`,
        );
      }
      const now = performance.now();
      const stream: Stream = {
        ids: [...promptIds],
        promptLength: promptIds.length,
        past: new Map(),
        prefilled: false,
        generated: 0,
        maxTokens,
        pick: createSampler(sampling),
        text: createTextStream(tokenizer, stop),
        channel: createChannel<GenerationEvent>({
          // A client that reads lets a paused stream take part in steps again.
          onRead: () => poke(),
          // A client that leaves frees the stream's slot at the next step.
          onReturn: () => {
            if (!stream.done) {
              stream.done = true;
              streams.delete(stream);
              reportEnd(stream, 'CANCELLED');
              poke();
            }
          },
        }),
        startedAt: now,
        firstTokenAt: null,
        lastTokenAt: now,
        done: false,
        trace,
      };
      streams.add(stream);
      poke();
      return stream.channel.iterator;
    },

    stats() {
      const live = [...streams];
      return {
        activeStreams: live.filter((stream) => stream.prefilled).length,
        waitingStreams: live.filter((stream) => !stream.prefilled).length,
        ...stats,
      };
    },

    async drained() {
      while (streams.size > 0 || looping !== null) await (looping ?? Promise.resolve());
    },

    async close() {
      closed = true;
      for (const stream of [...streams]) finish(stream, 'CANCELLED');
      poke();
      await looping;
    },
  };
}
