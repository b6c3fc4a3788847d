/**
 * Continuous batching for one decoder model version: a scheduler, so it runs past the usual
 * file size.
 *
 * Streams join and leave between steps. The streams' KV caches live on the inference thread they
 * are pinned to (runtime/decoder-streams.ts): a step message names the streams that take it, and
 * the thread answers each one's sampled token, so no cache and no logits cross threads. New
 * streams are prefilled together (their prompts left-padded into one run) and join the decode
 * steps once their first token is back.
 *
 * Steps are pipelined: up to `PIPELINE_DEPTH` are sent before the first is answered, so the
 * inference thread runs step n+1 while this thread turns step n's tokens into events (text,
 * GraphQL, sockets). The thread feeds each stream the token it sampled last, so step n+1 needs
 * nothing from step n's answer. A stream that ended at step n (end of text, a stop sequence)
 * rides step n+1 for nothing, and that token is dropped; length limits are known in advance and
 * end a stream's steps in time.
 *
 * Backpressure: each stream buffers at most `maxBufferedEvents` events its client has not
 * read. A stream whose buffer is full sits out the steps (keeping its cache) until the client
 * reads, so a slow reader costs the server its cache, never an unbounded buffer.
 */
import { InferError, toInferError } from '../../errors.ts';
import type { DecodeResult } from '../../runtime/decoder-streams.ts';
import type { SamplingOptions } from '../../runtime/sampler.ts';
import type { PinnedDecoder } from '../../runtime/worker-pool.ts';
import { type Channel, createChannel } from '../channel.ts';
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

export interface GenerationEngineOptions {
  /** `model "tiny-lm" v1`, for messages. */
  label: string;
  /** Pins the engine's streams to the inference thread that will hold their caches; called again once that thread is lost. */
  pin: () => Promise<PinnedDecoder>;
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

/** Steps sent before the first is answered: two keep the inference thread busy while this one makes events. */
const PIPELINE_DEPTH = 2;

interface Stream {
  /** Its name on the inference thread. */
  id: number;
  /** Tokens of its sequence: prompt and accepted tokens. */
  length: number;
  promptIds: number[];
  promptLength: number;
  /** waiting: not prefilled yet; prefilling: its prompt is on the thread; decoding: it takes steps. */
  phase: 'waiting' | 'prefilling' | 'decoding';
  /** Steps sent with it and not answered yet. */
  inFlight: number;
  generated: number;
  maxTokens: number;
  sampling: SamplingOptions;
  text: TextStream;
  channel: Channel<GenerationEvent>;
  startedAt: number;
  firstTokenAt: number | null;
  lastTokenAt: number;
  done: boolean;
  trace: unknown;
}

export function createGenerationEngine(options: GenerationEngineOptions): GenerationEngine {
  const { label, pin, tokenizer, maxStreams, maxSequenceLength, maxBufferedEvents, onTiming, onFinish, onStreamEnd } = options;
  const streams = new Set<Stream>();
  const stats = { steps: 0, stepRows: 0, tokens: 0 };
  let nextId = 1;
  /** Decode steps sent and not answered (at most PIPELINE_DEPTH), and prefills. */
  let inFlight = 0;
  let prefills = 0;
  let pinned: Promise<PinnedDecoder> | null = null;
  let closed = false;
  /** Who waits for no stream and no step to be left. */
  let idle: (() => void)[] = [];

  function settle(): void {
    if (streams.size > 0 || inFlight > 0 || prefills > 0) return;
    for (const resolve of idle) resolve();
    idle = [];
  }

  /** Whether a decoding stream may ride one more step: its reader keeps up and its limits are not reached by the steps in flight. */
  function canStep(stream: Stream): boolean {
    return (
      stream.phase === 'decoding' &&
      stream.channel.size + stream.inFlight < maxBufferedEvents &&
      stream.generated + stream.inFlight < stream.maxTokens &&
      stream.length + stream.inFlight < maxSequenceLength
    );
  }

  /** Sends steps until the pipeline is full or no stream can take one. */
  function pump(): void {
    // New streams are prefilled at once, beside the decode pipeline (the thread runs a prefill before
    // the decode steps waiting there), so a first token waits for at most the step being run.
    const waiting = [...streams].filter((stream) => stream.phase === 'waiting');
    if (waiting.length > 0) void step('prefill', waiting);
    while (inFlight < PIPELINE_DEPTH) {
      const batch = [...streams].filter(canStep);
      if (batch.length === 0) return;
      void step('decode', batch);
    }
  }

  async function step(kind: 'prefill' | 'decode', batch: Stream[]): Promise<void> {
    if (kind === 'decode') inFlight++;
    else prefills++;
    for (const stream of batch) {
      stream.inFlight++;
      if (kind === 'prefill') stream.phase = 'prefilling';
    }
    pinned ??= pin();
    const current = pinned;
    let result: DecodeResult | null = null;
    let failure: InferError | null = null;
    try {
      const decoder = await current;
      result = await (kind === 'prefill'
        ? decoder.prefill(
            batch.map((stream) => ({ stream: stream.id, promptIds: stream.promptIds, sampling: stream.sampling })),
            tokenizer.padId,
          )
        : decoder.decode(batch.map((stream) => stream.id)));
    } catch (error) {
      failure = toInferError(error);
    }
    if (kind === 'decode') inFlight--;
    else prefills--;
    for (const stream of batch) stream.inFlight--;
    if (failure) fail(batch, failure, current);
    else take(batch, result!);
    pump();
    settle();
  }

  function take(batch: Stream[], result: DecodeResult): void {
    stats.steps += result.runs;
    stats.stepRows += batch.length;
    batch.forEach((stream, row) => {
      if (stream.done) return;
      stream.phase = 'decoding';
      try {
        accept(stream, result.tokens[row]!);
      } catch (error) {
        // A tokenizer failure ends this stream only.
        finish(stream, 'ERROR', toInferError(error));
      }
    });
  }

  function fail(batch: Stream[], failure: InferError, decoder: Promise<PinnedDecoder>): void {
    if (failure.code === 'MODEL_NOT_READY') {
      // The thread holding the caches is gone (or the server is closing): every stream that has a cache there ends,
      // and the next stream is pinned anew.
      if (pinned === decoder) pinned = null;
      for (const stream of [...streams]) if (stream.phase !== 'waiting') finish(stream, 'ERROR', failure);
    }
    // The server built these steps, not the client: onnxruntime refusing them is our fault, not theirs.
    const ours = failure.code === 'INFERENCE_REJECTED' ? new InferError('INTERNAL', failure.message, { cause: failure }) : failure;
    for (const stream of batch) finish(stream, 'ERROR', ours);
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
    stream.length++;
    const index = stream.generated++;
    const { delta, stopped } = stream.text.push(tokenId);
    stream.channel.push({ kind: 'token', index, tokenId, text: delta });
    if (stopped) {
      finish(stream, 'STOP');
      return;
    }
    if (stream.generated >= stream.maxTokens || stream.length >= maxSequenceLength) finish(stream, 'LENGTH');
  }

  /** Forgets a stream that ended here: its cache on the inference thread is freed after the steps already sent with it. */
  function release(stream: Stream): void {
    stream.done = true;
    streams.delete(stream);
    if (stream.phase !== 'waiting')
      void pinned?.then(
        (decoder) => decoder.free([stream.id]),
        () => {},
      );
  }

  function finish(stream: Stream, reason: FinishReason, error: InferError | null = null): void {
    if (stream.done) return;
    release(stream);
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
        id: nextId++,
        length: promptIds.length,
        promptIds: [...promptIds],
        promptLength: promptIds.length,
        phase: 'waiting',
        inFlight: 0,
        generated: 0,
        maxTokens,
        sampling,
        text: createTextStream(tokenizer, stop),
        channel: createChannel<GenerationEvent>({
          // A client that reads lets a paused stream take part in steps again.
          onRead: () => pump(),
          // A client that leaves frees the stream's slot and its cache.
          onReturn: () => {
            if (stream.done) return;
            release(stream);
            reportEnd(stream, 'CANCELLED');
            pump();
            settle();
          },
        }),
        startedAt: now,
        firstTokenAt: null,
        lastTokenAt: now,
        done: false,
        trace,
      };
      streams.add(stream);
      pump();
      return stream.channel.iterator;
    },

    stats() {
      const live = [...streams];
      const active = live.filter((stream) => stream.phase === 'decoding').length;
      return { activeStreams: active, waitingStreams: live.length - active, ...stats };
    },

    drained() {
      return new Promise<void>((resolve) => {
        idle.push(resolve);
        settle();
      });
    },

    async close() {
      closed = true;
      for (const stream of [...streams]) finish(stream, 'CANCELLED');
      await this.drained();
    },
  };
}
