/**
 * Closed-loop generation load: `streams` loops, each with its own client, start a generation as
 * soon as the last one finishes. After `warmupMs` a window of `durationMs` opens; a token counts
 * when it arrives inside it, a time to first token when the generation both starts and gets its
 * first token inside it, an inter-token gap when both tokens arrive inside it. At the end of
 * the window the generations still running are cancelled, so that the next row starts clean.
 */
import { setMaxListeners } from 'node:events';
import { type GenerateVariables, openStreamClient, type StreamTransport } from './generate-clients.ts';
import { sleep } from './load.ts';

export interface StreamLoadOptions {
  url: string;
  transport: StreamTransport;
  streams: number;
  warmupMs: number;
  durationMs: number;
  /** The variables of generation number `iteration` of loop `stream`. */
  variables(stream: number, iteration: number): GenerateVariables;
  /** Awaited off the clock, just before the window opens and just after it closes. */
  onWindowStart?: () => Promise<void>;
  onWindowEnd?: () => Promise<void>;
}

export interface StreamLoadResult {
  windowMs: number;
  tokens: number;
  tokensPerS: number;
  /** Generations that ended (any finish reason) inside the window. */
  finished: number;
  finishReasons: Record<string, number>;
  timeToFirstTokenMs: number[];
  /** The server's own account of the same generations' time to first token. */
  engineTimeToFirstTokenMs: number[];
  interTokenMs: number[];
  errors: number;
  firstError: string | null;
}

interface Generation {
  subscribedAt: number;
  tokenAt: number[];
  endedAt: number;
  reason: string | null;
  engineTimeToFirstTokenMs: number | null;
}

export async function runStreamLoad({
  url,
  transport,
  streams,
  warmupMs,
  durationMs,
  variables,
  onWindowStart,
  onWindowEnd,
}: StreamLoadOptions): Promise<StreamLoadResult> {
  const clients = await Promise.all(Array.from({ length: streams }, () => openStreamClient(transport, url)));
  const generations: Generation[] = [];
  const stop = new AbortController();
  // Every stream's generation in flight listens on it.
  setMaxListeners(streams + 10, stop.signal);
  let errors = 0;
  let firstError: string | null = null;
  let windowStart = Infinity;
  let windowEnd = Infinity;

  async function loop(stream: number): Promise<void> {
    const client = clients[stream]!;
    for (let iteration = 0; !stop.signal.aborted; iteration++) {
      const generation: Generation = {
        subscribedAt: performance.now(),
        tokenAt: [],
        endedAt: Number.NaN,
        reason: null,
        engineTimeToFirstTokenMs: null,
      };
      try {
        const finish = await client.generate(variables(stream, iteration), (at) => generation.tokenAt.push(at), stop.signal);
        generation.endedAt = performance.now();
        generation.reason = finish.reason;
        generation.engineTimeToFirstTokenMs = finish.engineTimeToFirstTokenMs;
        generations.push(generation);
      } catch (error) {
        const at = performance.now();
        if (at >= windowStart && at <= windowEnd) errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
        // A dead server answers at once; don't spin a core on it.
        await sleep(5);
      }
    }
  }

  try {
    const loops = Array.from({ length: streams }, (_, stream) => loop(stream));
    await sleep(warmupMs);
    await onWindowStart?.();
    windowStart = performance.now();
    await sleep(durationMs);
    windowEnd = performance.now();
    await onWindowEnd?.();
    stop.abort();
    await Promise.all(loops);
  } finally {
    await Promise.all(clients.map((client) => client[Symbol.asyncDispose]()));
  }

  const inside = (at: number) => at >= windowStart && at <= windowEnd;
  const timeToFirstTokenMs: number[] = [];
  const engineTimeToFirstTokenMs: number[] = [];
  const interTokenMs: number[] = [];
  const finishReasons: Record<string, number> = {};
  let tokens = 0;
  let finished = 0;
  for (const { subscribedAt, tokenAt, endedAt, reason, engineTimeToFirstTokenMs: engineMs } of generations) {
    tokens += tokenAt.filter(inside).length;
    const first = tokenAt[0];
    if (first !== undefined && subscribedAt >= windowStart && first <= windowEnd) {
      timeToFirstTokenMs.push(first - subscribedAt);
      if (engineMs !== null) engineTimeToFirstTokenMs.push(engineMs);
    }
    for (let index = 1; index < tokenAt.length; index++) {
      if (tokenAt[index - 1]! >= windowStart && tokenAt[index]! <= windowEnd) interTokenMs.push(tokenAt[index]! - tokenAt[index - 1]!);
    }
    if (reason !== null && inside(endedAt)) {
      finished++;
      finishReasons[reason] = (finishReasons[reason] ?? 0) + 1;
    }
  }
  const windowMs = windowEnd - windowStart;
  return {
    windowMs,
    tokens,
    tokensPerS: tokens / (windowMs / 1000),
    finished,
    finishReasons,
    timeToFirstTokenMs,
    engineTimeToFirstTokenMs,
    interTokenMs,
    errors,
    firstError,
  };
}
