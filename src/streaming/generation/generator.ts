/** generate: one generation engine per loaded decoder version, with its tokenizer, limits and latency figures. */
import { InferError, versionLabel } from '../../errors.ts';
import { createLatencyWindow, type LatencyWindow } from '../../observability/latency-window.ts';
import { readDecoderSignature } from '../../runtime/decoder-signature.ts';
import type { ModelSignature } from '../../runtime/tensor-spec.ts';
import type { WorkerPool } from '../../runtime/worker-pool.ts';
import {
  createGenerationEngine,
  type EngineStats,
  type FinishReason,
  type GenerationEngine,
  type GenerationEvent,
  type StreamReport,
} from './generation-engine.ts';
import { loadTokenizer, type TextTokenizer } from './text-tokenizer.ts';

/** A loaded model version as generation needs it (the registry's versions are such). */
export interface GeneratableVersion {
  key: string;
  model: string;
  version: number;
  signature: ModelSignature | null;
  /** The raw `tokenizer.json` and `tokenizer_config.json` of the model folder, when present. */
  tokenizerFiles: { tokenizer: object; config: Record<string, unknown> | null } | null;
  settings: { generation: { maxStreams?: number | undefined; maxTokens?: number | undefined; maxSequenceLength?: number | undefined } };
}

export interface GenerateRequest {
  prompt?: string | null | undefined;
  promptTokenIds?: readonly number[] | null | undefined;
  maxTokens?: number | null | undefined;
  temperature?: number | null | undefined;
  topK?: number | null | undefined;
  topP?: number | null | undefined;
  seed?: number | null | undefined;
  stop?: readonly string[] | null | undefined;
}

export interface GenerationLimits {
  /** Streams per model version at once. */
  maxStreams: number;
  /** The largest `maxTokens` a request may ask for. */
  maxTokens: number;
  /** Events buffered per stream for a reader that falls behind. */
  maxBufferedEvents: number;
}

export interface GenerationStats extends EngineStats {
  timeToFirstToken: LatencyWindow;
  interToken: LatencyWindow;
}

export interface Generator {
  /** `trace` is the caller's trace span, opaque here: handed back in `onStreamEnd`. */
  generate(version: GeneratableVersion, request: GenerateRequest, trace?: unknown): AsyncIterableIterator<GenerationEvent>;
  stats(key: string): GenerationStats | null;
  /** Waits for a session key's open streams to finish, then forgets its engine (after a reload or unload). */
  release(key: string): Promise<void>;
  close(): Promise<void>;
}

/** What a request that names no maxTokens may generate, capped by the model. */
export const DEFAULT_MAX_TOKENS = 64;

export interface GeneratorOptions {
  pool: WorkerPool;
  limits: GenerationLimits;
  /** Told of every stream's time to first token and every later token's latency, in ms, for the metrics' histograms. */
  onTiming?: (version: { model: string; version: number }, kind: 'timeToFirstToken' | 'interToken', ms: number) => void;
  /** Told of every stream as it finishes: why, and its prompt and generated token counts. */
  onFinish?: (version: { model: string; version: number }, reason: FinishReason, promptTokens: number, completionTokens: number) => void;
  /** Told of every stream as it ends, finished or left by its client, with its times, for its trace span. */
  onStreamEnd?: (version: { model: string; version: number }, stream: StreamReport) => void;
}

export function createGenerator({ pool, limits, onTiming, onFinish, onStreamEnd }: GeneratorOptions): Generator {
  const engines = new Map<
    string,
    {
      engine: GenerationEngine;
      tokenizer: TextTokenizer;
      vocabularySize: number | null;
      timeToFirstToken: LatencyWindow;
      interToken: LatencyWindow;
    }
  >();

  function engineOf(version: GeneratableVersion, label: string) {
    const existing = engines.get(version.key);
    if (existing) return existing;
    if (!version.signature) throw new InferError('MODEL_NOT_READY', `${label} is not loaded`);
    const decoder = readDecoderSignature(version.signature);
    if (typeof decoder === 'string') throw new InferError('INVALID_ARGUMENT', `${label} cannot generate text: ${decoder}`);
    if (!version.tokenizerFiles)
      throw new InferError('INVALID_ARGUMENT', `${label} cannot generate text: its folder has no tokenizer.json`);
    const tokenizer = loadTokenizer(version.tokenizerFiles.tokenizer, version.tokenizerFiles.config);
    const configured = version.tokenizerFiles.config?.model_max_length;
    const timeToFirstToken = createLatencyWindow();
    const labels = { model: version.model, version: version.version };
    const interToken = createLatencyWindow();
    const engine = createGenerationEngine({
      label,
      tokenizer,
      pin: () => pool.pinDecoder(version.key),
      maxStreams: version.settings.generation.maxStreams ?? limits.maxStreams,
      maxSequenceLength:
        version.settings.generation.maxSequenceLength ?? (typeof configured === 'number' && configured > 0 ? configured : 2048),
      maxBufferedEvents: limits.maxBufferedEvents,
      onTiming: (kind, ms) => {
        (kind === 'timeToFirstToken' ? timeToFirstToken : interToken).record(ms);
        onTiming?.(labels, kind, ms);
      },
      ...(onFinish
        ? { onFinish: (reason: FinishReason, prompt: number, completion: number) => onFinish(labels, reason, prompt, completion) }
        : {}),
      ...(onStreamEnd ? { onStreamEnd: (stream: StreamReport) => onStreamEnd(labels, stream) } : {}),
    });
    const entry = { engine, timeToFirstToken, interToken, tokenizer, vocabularySize: decoder.vocabularySize };
    engines.set(version.key, entry);
    return entry;
  }

  return {
    generate(version, request, trace) {
      const label = versionLabel(version);
      const entry = engineOf(version, label);
      const cap = version.settings.generation.maxTokens ?? limits.maxTokens;
      const maxTokens = request.maxTokens ?? Math.min(DEFAULT_MAX_TOKENS, cap);
      const invalid = (message: string) => new InferError('INVALID_ARGUMENT', `${label}: ${message}`);
      if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > cap)
        throw invalid(`maxTokens must be from 1 to ${cap}, got ${maxTokens}`);
      const { temperature = 1, topK = 0, topP = 1, seed, stop } = request;
      if (temperature !== null && (temperature < 0 || !Number.isFinite(temperature)))
        throw invalid(`temperature must be 0 or more, got ${temperature}`);
      if (topK !== null && topK < 0) throw invalid(`topK must be 0 (all) or more, got ${topK}`);
      if (topP !== null && !(topP > 0 && topP <= 1)) throw invalid(`topP must be in (0, 1], got ${topP}`);
      const hasPrompt = typeof request.prompt === 'string';
      if (hasPrompt === Boolean(request.promptTokenIds)) throw invalid('give exactly one of prompt and promptTokenIds');
      const promptIds = hasPrompt ? entry.tokenizer.encode(request.prompt!) : [...request.promptTokenIds!];
      const vocabulary = entry.vocabularySize;
      const outside = promptIds.find((id) => !Number.isInteger(id) || id < 0 || (vocabulary !== null && id >= vocabulary));
      if (outside !== undefined) throw invalid(`promptTokenIds holds ${outside}, expected ids from 0 to ${(vocabulary ?? Infinity) - 1}`);
      return entry.engine.start({
        promptIds,
        maxTokens,
        temperature: temperature ?? 1,
        topK: topK ?? 0,
        topP: topP ?? 1,
        seed: seed ?? Math.floor(Math.random() * 2 ** 32),
        stop: [...(stop ?? [])],
        trace,
      });
    },

    stats(key) {
      const entry = engines.get(key);
      return entry ? { ...entry.engine.stats(), timeToFirstToken: entry.timeToFirstToken, interToken: entry.interToken } : null;
    },

    async release(key) {
      const entry = engines.get(key);
      if (!entry) return;
      await entry.engine.drained();
      engines.delete(key);
    },

    async close() {
      await Promise.all([...engines.values()].map(({ engine }) => engine.close()));
    },
  };
}
