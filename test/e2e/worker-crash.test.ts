import { describe, expect, it } from 'vitest';
import { GLYPH_PIXELS } from '../../scripts/models/glyphs.ts';
import type { GraphQLResponse } from '../fixtures/documents.ts';
import { expectFailure } from '../fixtures/failures.ts';
import { addGlyphs } from '../fixtures/model-versions.ts';
import { serveModels, type TestServer } from '../fixtures/server.ts';
import { float32ToBase64 } from '../fixtures/tensors.ts';
import { ModelDocument, PredictVersionDocument, type PredictVersionMutation } from '../generated/graphql.ts';

type Response = GraphQLResponse<PredictVersionMutation>;

const PIXELS = [{ name: 'pixels', shape: [1, GLYPH_PIXELS], base64: float32ToBase64(new Float32Array(GLYPH_PIXELS).fill(0.5)) }];

function predict(server: TestServer, model: string): Promise<Response> {
  return server.graphql(PredictVersionDocument, { input: { model, inputs: PIXELS } });
}

/** `concurrency` clients sending predicts of `model` back to back until stopped; resolves with every failure seen. */
function predictLoops(server: TestServer, model: string, concurrency: number) {
  const failures: Response[] = [];
  let answered = 0;
  let stopped = false;
  const loops = Array.from({ length: concurrency }, async () => {
    while (!stopped) {
      const response = await predict(server, model);
      if (response.errors || response.status !== 200) failures.push(response);
      answered++;
    }
  });
  return {
    get answered() {
      return answered;
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return failures;
    },
  };
}

async function stateReasonOf(server: TestServer, name: string): Promise<string | null | undefined> {
  const { data } = await server.graphql(ModelDocument, { name });
  return data?.model?.versions[0]?.stateReason;
}

describe('worker crash recovery', () => {
  it('should fail only the dead thread’s requests, with MODEL_NOT_READY, while every other model keeps serving, and serve again after', async () => {
    await using server = await serveModels(async (repository) => {
      await addGlyphs(repository, 'left', [1], { instances: 1 });
      await addGlyphs(repository, 'right', [1], { instances: 1 });
    });
    const { pool } = server.app;
    // One session per model on two workers: each model lives on exactly one thread.
    expect(pool.stats().map((worker) => worker.sessions)).toEqual([1, 1]);
    const left = predictLoops(server, 'left', 8);
    const right = predictLoops(server, 'right', 8);
    const recovered = new Promise((resolve) => pool.onWorkerExit(resolve));

    await pool.terminateWorker(0);
    expect(await recovered).toMatchObject({ worker: 0, notReloaded: [] });
    const answeredBefore = left.answered + right.answered;
    // Both models serve after the replacement reloaded: more answers keep coming on both.
    expect((await predict(server, 'left')).errors).toBeUndefined();
    expect((await predict(server, 'right')).errors).toBeUndefined();
    const failures = [...(await left.stop()), ...(await right.stop())];
    expect(left.answered + right.answered).toBeGreaterThan(answeredBefore);

    for (const failure of failures) {
      expect(expectFailure(failure, 'MODEL_NOT_READY', { status: 503 })).toContain('inference thread running this request crashed');
    }
    const reasons = [await stateReasonOf(server, 'left'), await stateReasonOf(server, 'right')];
    // The model that lived on the dead thread says so; the other was never touched.
    expect(reasons.filter((reason) => reason?.includes('worker 0) crashed; reloaded on a replacement'))).toHaveLength(1);
    expect(reasons).toContain(null);
    const victim = reasons[0] === null ? 'right' : 'left';
    expect(failures.every((failure) => failure.data === null || failure.data === undefined)).toBe(true);
    expect(failures.filter((failure) => JSON.stringify(failure).includes(victim === 'left' ? 'right' : 'left'))).toEqual([]);
    expect(pool.stats().map((worker) => worker.restarts)).toEqual([1, 0]);
  });

  it('should mark a version FAILED once its runs have crashed its thread three times within a minute', async () => {
    await using server = await serveModels((repository) => addGlyphs(repository, 'crashy', [1]), { workers: 1 });
    const { pool } = server.app;
    for (let crash = 1; crash <= 3; crash++) {
      const recovered = new Promise((resolve) => pool.onWorkerExit(resolve));
      const running = predict(server, 'crashy');
      // The thread is ended while it holds the run: from the pool posting it (inFlight counts it) to the answer.
      await new Promise<void>((resolve) => {
        const check = () => (pool.stats()[0]!.inFlight > 0 ? resolve() : setImmediate(check));
        check();
      });
      await pool.terminateWorker(0);
      expectFailure(await running, 'MODEL_NOT_READY', { status: 503 });
      await recovered;
    }
    const { data } = await server.graphql(ModelDocument, { name: 'crashy' });
    expect(data?.model?.versions[0]).toMatchObject({
      state: 'FAILED',
      stateReason: expect.stringContaining('crashed 3 inference threads'),
    });
    expectFailure(await predict(server, 'crashy'), 'MODEL_NOT_READY', { status: 503 });
  });
});
