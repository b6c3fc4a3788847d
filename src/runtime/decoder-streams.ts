/**
 * The generation streams of one decoder session on one inference thread. Each stream's KV cache lives
 * here, on the thread that runs its steps, so that only token ids cross between threads: the main
 * thread says which streams take a step, this thread feeds each its last sampled token, runs the
 * batch, samples the next token with the stream's own seeded sampler and answers the token ids.
 *
 * The caches of the streams of the last decode step stay stacked as that step's presents: while the
 * next step has the same streams, each present is its past as it is (no copy, as Hugging Face's
 * generate loop does). Only when streams join or leave are they restacked, left-padded to the
 * longest of a group; a stream that sits a step out (its client reads slowly) keeps its own rows,
 * cut out of the batch. Padding is paid for: every row of a run costs the longest row's past, so
 * streams of very different lengths are split into groups of similar length, one run each, where
 * that costs less than the run it saves (`groupByLength`). A decoder exported without a KV cache
 * keeps each stream's ids instead and re-runs its whole sequence every step.
 */
import { InferError } from '../errors.ts';
import type { DecoderSignature } from './decoder-signature.ts';
import { leftPadded, stackPast, unstackPresent } from './kv-cache.ts';
import { createSampler, type Sampler, type SamplingOptions } from './sampler.ts';
import type { Tensor } from './tensor.ts';

export interface PrefillRow {
  stream: number;
  promptIds: number[];
  sampling: SamplingOptions;
}

export interface DecodeResult {
  /** The token sampled for each stream of the request, in its order. */
  tokens: number[];
  /** session.run calls the step took (one per stream for a decoder that cannot take padded rows). */
  runs: number;
  computeMs: number;
}

export interface DecoderStreams {
  /** Runs the prompts of new streams and samples each one's first token. */
  prefill(rows: readonly PrefillRow[], padId: number): Promise<DecodeResult>;
  /** Feeds each stream the token sampled for it last and samples its next one. */
  decode(streams: readonly number[]): Promise<DecodeResult>;
  /** Forgets streams that ended or whose client left, after the steps asked before; unknown ids are ignored. */
  free(streams: readonly number[]): Promise<void>;
  readonly size: number;
}

interface Batch {
  rows: number[];
  /** Per cache input, the rows' past, left-padded to the longest. */
  past: Map<string, Tensor>;
  lengths: number[];
}

/**
 * What one more run costs beyond its rows, in row-positions of past (a run of B rows over a past of T
 * costs about B x T of them): read off tiny-lm on onnxruntime-node's CPU provider, where one row at
 * past 128 takes 0.28 ms and sixteen 1.7 ms, so a run's own cost is that of ~250 row-positions.
 */
const RUN_COST_POSITIONS = 256;

/**
 * Streams split into runs of similar past length, the split that costs least when each run costs its
 * rows times its longest past plus `runCost`: streams sorted longest first, cut where it pays (dynamic
 * programming over the cut points; there are at most a version's maxStreams).
 */
export function groupByLength(streams: readonly { stream: number; length: number }[], runCost: number): number[][] {
  const sorted = [...streams].sort((a, b) => b.length - a.length);
  const best = new Array<number>(sorted.length + 1).fill(Infinity);
  const cut = new Array<number>(sorted.length + 1).fill(0);
  best[0] = 0;
  for (let end = 1; end <= sorted.length; end++) {
    for (let start = 0; start < end; start++) {
      // Longest first: a group's longest is its first.
      const cost = best[start]! + (end - start) * sorted[start]!.length + runCost;
      if (cost < best[end]!) {
        best[end] = cost;
        cut[end] = start;
      }
    }
  }
  const groups: number[][] = [];
  for (let end = sorted.length; end > 0; end = cut[end]!) groups.unshift(sorted.slice(cut[end]!, end).map(({ stream }) => stream));
  return groups;
}

type Run = (feeds: Record<string, Tensor>) => Promise<Record<string, Tensor>>;

interface StreamState {
  /** Tokens of the sequence so far, the last sampled one not yet among them; kept whole only without a cache. */
  ids: number[];
  /** Positions this stream's cache holds. */
  length: number;
  /** The token sampled last, fed at its next step. */
  next: number;
  pick: Sampler;
  /** Per cache input, its own [1, H, length, D] past while it is not a row of the stacked batch. */
  own: Map<string, Tensor> | null;
}

export function createDecoderStreams(decoder: DecoderSignature, run: Run): DecoderStreams {
  const streams = new Map<number, StreamState>();
  const cached = decoder.layers.length > 0;
  const padded = decoder.attentionMask && decoder.positionIds;
  const pastNames = decoder.layers.flatMap((layer) => [layer.pastKey, layer.pastValue]);
  const presentOf = new Map(
    decoder.layers.flatMap((layer) => [[layer.pastKey, layer.presentKey] as const, [layer.pastValue, layer.presentValue] as const]),
  );
  const cacheShape = { heads: decoder.heads, headDim: decoder.headDim, dataType: decoder.cacheDataType };
  /** The groups of the last decode step: each one's streams in row order and its present (their next past), left-padded. */
  let batches: Batch[] = [];
  let padId = 0;
  /**
   * The thread takes its next message while a run awaits, and a step reads the state the one before it
   * leaves (the batch, each stream's last token): steps take turns. A prefill goes before the decode
   * steps still waiting, since it touches only new streams: a new stream's first token then waits for
   * at most the step being run, not the whole pipeline.
   */
  const waiting: { work: () => Promise<unknown> | unknown; urgent: boolean; settle: (outcome: Promise<unknown>) => void }[] = [];
  let running = false;
  function inTurn<T>(work: () => Promise<T> | T, urgent = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const task = { work, urgent, settle: (outcome: Promise<unknown>) => (outcome as Promise<T>).then(resolve, reject) };
      const at = urgent ? waiting.findIndex((other) => !other.urgent) : -1;
      waiting.splice(at < 0 ? waiting.length : at, 0, task);
      void drain();
    });
  }
  async function drain(): Promise<void> {
    if (running) return;
    running = true;
    for (let task = waiting.shift(); task; task = waiting.shift()) {
      const outcome = Promise.resolve().then(task.work);
      task.settle(outcome);
      await outcome.catch(() => {});
    }
    running = false;
  }

  function stateOf(stream: number): StreamState {
    const state = streams.get(stream);
    if (!state) throw new InferError('INTERNAL', `generation stream ${stream} has no cache on this inference thread`);
    return state;
  }

  /** Cuts the rows of the stacked batches back into each stream's own past, for the streams still alive. */
  function unstackBatches(): void {
    for (const { rows, past, lengths } of batches) {
      for (const [name, tensor] of past) {
        const pieces = unstackPresent(tensor, lengths);
        rows.forEach((stream, row) => {
          const state = streams.get(stream);
          if (!state) return;
          state.own ??= new Map();
          state.own.set(name, pieces[row]!);
        });
      }
    }
    batches = [];
  }

  /** Whether `ids` are exactly the streams of the stacked batches. */
  function sameStreams(ids: readonly number[]): boolean {
    const stacked = batches.reduce((count, batch) => count + batch.rows.length, 0);
    const wanted = new Set(ids);
    return (
      stacked === ids.length && wanted.size === ids.length && batches.every((batch) => batch.rows.every((stream) => wanted.has(stream)))
    );
  }

  function stackGroup(rows: number[]): Batch {
    const states = rows.map(stateOf);
    const lengths = states.map((state) => state.length);
    const width = Math.max(...lengths);
    const past = new Map(
      pastNames.map((name) => [
        name,
        stackPast(
          states.map((state) => state.own?.get(name) ?? null),
          width,
          cacheShape,
        ),
      ]),
    );
    for (const state of states) state.own = null;
    return { rows, past, lengths };
  }

  /** One run of `rows`, each continuing from `pastLengths[row]` cached positions with the given new tokens. */
  async function runRows(states: StreamState[], tokens: number[][], pastLengths: number[], past: Map<string, Tensor> | null) {
    const feedsOf = leftPadded(tokens, pastLengths, padId);
    const feeds: Record<string, Tensor> = { input_ids: feedsOf.inputIds };
    if (decoder.attentionMask) feeds.attention_mask = feedsOf.attentionMask;
    if (decoder.positionIds) feeds.position_ids = feedsOf.positionIds;
    for (const name of pastNames) {
      feeds[name] =
        past?.get(name) ??
        stackPast(
          states.map(() => null),
          0,
          cacheShape,
        );
    }
    const started = performance.now();
    const outputs = await run(feeds);
    const computeMs = performance.now() - started;
    const logits = outputs.logits;
    if (!logits) throw new InferError('INTERNAL', 'the decoder returned no "logits"');
    const [, width = 0, vocabulary = 0] = logits.shape;
    const data = logits.data as Float32Array;
    const sampled = states.map((state, row) => {
      const last = (row * width + width - 1) * vocabulary;
      return state.pick(data.subarray(last, last + vocabulary));
    });
    const present = new Map(pastNames.map((name) => [name, outputs[presentOf.get(name)!]!]));
    return { sampled, present, computeMs, ownLengths: pastLengths.map((length, row) => length + tokens[row]!.length) };
  }

  /** Without padding support each stream runs alone; with it, all at once. */
  function groups<T>(items: readonly T[]): T[][] {
    return padded ? [[...items]] : items.map((item) => [item]);
  }

  return {
    get size() {
      return streams.size;
    },

    prefill: (rows, pad) => inTurn(() => prefill(rows, pad), true),
    decode: (ids) => inTurn(() => decode(ids)),
    free: (ids) =>
      inTurn(() => {
        for (const stream of ids) streams.delete(stream);
        // The rows of freed streams stay in the stacked batch until the next step without them restacks it.
      }),
  };

  async function prefill(rows: readonly PrefillRow[], pad: number): Promise<DecodeResult> {
    padId = pad;
    const tokens: number[] = [];
    let computeMs = 0;
    let runs = 0;
    for (const group of groups(rows)) {
      const states = group.map(({ promptIds, sampling }) => ({
        ids: [...promptIds],
        length: 0,
        next: -1,
        pick: createSampler(sampling),
        own: null as Map<string, Tensor> | null,
      }));
      const result = await runRows(
        states,
        group.map((row) => row.promptIds),
        group.map(() => 0),
        null,
      );
      runs++;
      computeMs += result.computeMs;
      const pieces = cached ? [...result.present].map(([name, tensor]) => [name, unstackPresent(tensor, result.ownLengths)] as const) : [];
      states.forEach((state, row) => {
        state.next = result.sampled[row]!;
        state.length = result.ownLengths[row]!;
        if (cached) state.own = new Map(pieces.map(([name, rows]) => [name, rows[row]!]));
        streams.set(group[row]!.stream, state);
        tokens.push(state.next);
      });
    }
    return { tokens, runs, computeMs };
  }

  async function decode(ids: readonly number[]): Promise<DecodeResult> {
    const states = ids.map(stateOf);
    if (!cached) {
      // Without a cache every step is a prefill of the whole sequence so far.
      const tokens: number[] = [];
      let computeMs = 0;
      for (const rows of groups(states)) {
        for (const state of rows) state.ids.push(state.next);
        const result = await runRows(
          rows,
          rows.map((state) => state.ids),
          rows.map(() => 0),
          null,
        );
        computeMs += result.computeMs;
        rows.forEach((state, row) => {
          state.next = result.sampled[row]!;
          tokens.push(state.next);
        });
      }
      return { tokens, runs: padded ? 1 : ids.length, computeMs };
    }
    if (!sameStreams(ids)) {
      unstackBatches();
      const lengths = ids.map((stream) => ({ stream, length: stateOf(stream).length }));
      batches = groupByLength(lengths, RUN_COST_POSITIONS).map(stackGroup);
    }
    const sampled = new Map<number, number>();
    let computeMs = 0;
    const next: Batch[] = [];
    for (const batch of batches) {
      const rows = batch.rows.map(stateOf);
      const result = await runRows(
        rows,
        rows.map((state) => [state.next]),
        batch.lengths,
        batch.past,
      );
      computeMs += result.computeMs;
      rows.forEach((state, row) => {
        state.length = result.ownLengths[row]!;
        state.next = result.sampled[row]!;
        sampled.set(batch.rows[row]!, state.next);
      });
      // The present is the next step's past as it is: same rows, same left padding, one position longer.
      next.push({ rows: batch.rows, past: result.present, lengths: result.ownLengths });
    }
    batches = next;
    return { tokens: ids.map((stream) => sampled.get(stream)!), runs: next.length, computeMs };
  }
}
