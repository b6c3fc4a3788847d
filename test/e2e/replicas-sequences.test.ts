/**
 * Stateful sequences stick to the replica that started them: a call that reaches another replica is
 * refused (never started again from zeros in silence) and leaves the sequence whole where it runs;
 * nginx hashing on the X-Sequence-Id header, as the README shows, sends every call of a sequence to
 * one replica while the sequences spread over both.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ExecutionResult } from '../fixtures/documents.ts';
import { expectFailure } from '../fixtures/failures.ts';
import { statsOf } from '../fixtures/figures.ts';
import { startNginx } from '../fixtures/nginx.ts';
import { removeKeys, SHARED_REDIS_URL, uniquePrefix } from '../fixtures/redis.ts';
import { serveReplicas } from '../fixtures/replicas.ts';
import { createVadReference, syntheticAudio, VAD_FRAME, VAD_SAMPLE_RATE, vadFrames } from '../fixtures/silero-vad.ts';
import { forSuite } from '../fixtures/suite.ts';
import { expectClose, float32ToBase64, numbersOf } from '../fixtures/tensors.ts';
import { PredictDocument, type PredictInput, type PredictMutation } from '../generated/graphql.ts';

const prefix = uniquePrefix();
const replicas = forSuite(() =>
  serveReplicas(2, (repository) => repository.copyExample('silero-vad'), {
    redis: { url: SHARED_REDIS_URL, keyPrefix: prefix },
    workers: 1,
  }),
);
const reference = forSuite(() => createVadReference());
afterAll(() => removeKeys(prefix));

const sampleRate = { name: 'sr', shape: [], data: [VAD_SAMPLE_RATE] };

function frameCall(frame: Float32Array, sequence: { id: string; start?: boolean; end?: boolean }): PredictInput {
  return { model: 'silero-vad', inputs: [{ name: 'input', shape: [1, VAD_FRAME], base64: float32ToBase64(frame) }, sampleRate], sequence };
}

function probabilityOf({ data, errors }: ExecutionResult<PredictMutation>): number {
  expect(errors, JSON.stringify(errors)).toBeUndefined();
  return numbersOf(data!.predict.outputs[0]!.data)[0]!;
}

describe('sequences across replicas', () => {
  it('should refuse a call of a sequence that reached another replica, and go on unharmed where it started', async () => {
    const [a, b] = replicas.servers as [(typeof replicas.servers)[number], (typeof replicas.servers)[number]];
    const frames = vadFrames(syntheticAudio(6 * VAD_FRAME, 3));
    const expected = await reference.probabilities(frames);
    const served: number[] = [];
    for (const [index, frame] of frames.entries()) {
      served.push(probabilityOf(await a.graphql(PredictDocument, { input: frameCall(frame, { id: 'call-7', start: index === 0 }) })));
      if (index !== 2) continue;
      // A load balancer that does not stick sent the next call to B, which holds no state for it.
      const elsewhere = await b.graphql(PredictDocument, { input: frameCall(frames[3]!, { id: 'call-7' }) });
      const message = expectFailure(elsewhere, 'INVALID_ARGUMENT', { status: 400 });
      expect(message).toMatch(/^sequence "call-7" of model "silero-vad" v1 is not running on this server: start it with start: true/);
      expect(message).toContain('every call of a sequence must reach the replica that started it');
      expect(elsewhere.errors![0]!.extensions!.sequence).toBe('call-7');
    }
    expectClose(served, expected, 1e-5);
  });

  it('should keep every call of a sequence on one replica behind the shipped nginx config (it hashes X-Sequence-Id), the sequences spread over both', async () => {
    const before = await Promise.all(replicas.servers.map((server) => statsOf(server, 'silero-vad')));
    await using proxy = await startNginx(replicas.servers.map((server) => Number(new URL(server.origin).port)));
    const frames = vadFrames(syntheticAudio(3 * VAD_FRAME, 4));
    const ids = Array.from({ length: 16 }, (_, index) => `stream-${index}`);
    await Promise.all(
      ids.map(async (id) => {
        for (const [index, frame] of frames.entries()) {
          const response = await fetch(`${proxy.origin}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-sequence-id': id },
            body: JSON.stringify({
              query: 'mutation ($input: PredictInput!) { predict(input: $input) { outputs { data } } }',
              variables: { input: frameCall(frame, { id, start: index === 0, end: index === frames.length - 1 }) },
            }),
          });
          const body = (await response.json()) as ExecutionResult<PredictMutation>;
          expect(body.errors, `${id} frame ${index}: ${JSON.stringify(body.errors)}`).toBeUndefined();
        }
      }),
    );
    const after = await Promise.all(replicas.servers.map((server) => statsOf(server, 'silero-vad')));
    const served = after.map((stats, index) => stats.requests - before[index]!.requests);
    expect(served.reduce((sum, count) => sum + count, 0)).toBe(ids.length * frames.length);
    // 16 sequences on one replica by chance: 1 in 32,768.
    expect(served.every((count) => count > 0)).toBe(true);
  });
});
