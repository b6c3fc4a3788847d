import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type BatchRequest, type BatchRunner, createBatcher } from '../../src/batching/batcher.ts';
import type { Tensor } from '../../src/runtime/tensor.ts';
import type { RunResult } from '../../src/runtime/worker-protocol.ts';

/** A runner whose runs finish only when the test says so; it echoes input "x" as output "y". */
function createManualRunner() {
  const runs: { feeds: Record<string, Tensor>; finish(): void; fail(error: Error): void }[] = [];
  const listeners = new Set<() => void>();
  let busyElsewhere = false;
  const settle = () => {
    for (const listener of listeners) listener();
  };
  const runner: BatchRunner = {
    run: (feeds) =>
      new Promise<RunResult>((resolve, reject) => {
        runs.push({
          feeds,
          finish: () => {
            runs.splice(
              runs.findIndex((run) => run.feeds === feeds),
              1,
            );
            resolve({ outputs: { y: feeds.x! }, computeMs: 1, computeStartedAt: Date.now() });
            queueMicrotask(settle);
          },
          fail: (error) => {
            runs.splice(
              runs.findIndex((run) => run.feeds === feeds),
              1,
            );
            reject(error);
            queueMicrotask(settle);
          },
        });
      }),
    leastInFlight: () => (busyElsewhere ? Infinity : runs.length),
    onRunSettled: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    runner,
    runs,
    setBusyElsewhere(busy: boolean) {
      busyElsewhere = busy;
      if (!busy) settle();
    },
  };
}

function rowsOf(values: number[][]): BatchRequest {
  const width = values[0]!.length;
  return {
    inputs: { x: { dataType: 'FP32', shape: [values.length, width], data: Float32Array.from(values.flat()) } },
    outputs: null,
    rows: values.length,
  };
}

/** One batch per worker at a time, so each test sees one scheduling decision at once. */
const options = { label: 'model "m" v1', maxBatchSize: 8, maxQueueDelayMs: 5, maxQueueSize: 100, pipelineDepth: 1 };

/** A batcher whose one worker runs a first request: what is submitted next waits in its queue. */
async function busyBatcher(settings: Partial<typeof options> = {}) {
  const { runner, runs } = createManualRunner();
  const batcher = createBatcher({ ...options, ...settings, runner });
  const running = batcher.submit(rowsOf([[0]]));
  await vi.advanceTimersByTimeAsync(0);
  return {
    batcher,
    runs,
    /** Ends the first run and lets the batcher send what waited. */
    async endFirstRun() {
      runs[0]!.finish();
      await running;
      await vi.advanceTimersByTimeAsync(0);
    },
  };
}

describe('batcher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('should dispatch requests of one tick as one run when a worker is idle', async () => {
    const { runner, runs } = createManualRunner();
    const batcher = createBatcher({ ...options, runner });
    const answers = [batcher.submit(rowsOf([[1, 2]])), batcher.submit(rowsOf([[3, 4]])), batcher.submit(rowsOf([[5, 6]]))];
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.feeds.x!.shape).toEqual([3, 2]);
    runs[0]!.finish();
    const responses = await Promise.all(answers);
    expect(responses.map((response) => [...(response.outputs.y!.data as Float32Array)])).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(responses.map((response) => response.batchSize)).toEqual([3, 3, 3]);
  });

  it('should let a batch fill while the model runs and send it when the run ends', async () => {
    const { runner, runs } = createManualRunner();
    const batcher = createBatcher({ ...options, runner });
    const first = batcher.submit(rowsOf([[0, 0]]));
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toHaveLength(1);

    const later = [
      batcher.submit(rowsOf([[1, 1]])),
      batcher.submit(
        rowsOf([
          [2, 2],
          [3, 3],
        ]),
      ),
    ];
    // Far past maxQueueDelayMs: the model's own run is still going, so the batch keeps waiting.
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toHaveLength(1);
    expect(batcher.stats().queued).toBe(2);

    runs[0]!.finish();
    await first;
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.feeds.x!.shape).toEqual([3, 2]);
    runs[0]!.finish();
    const [one, two] = await Promise.all(later);
    expect(one!.outputs.y!.shape).toEqual([1, 2]);
    expect([...(two!.outputs.y!.data as Float32Array)]).toEqual([2, 2, 3, 3]);
  });

  it('should send the next batch to wait behind a running one when pipelining', async () => {
    const { runner, runs } = createManualRunner();
    const batcher = createBatcher({ ...options, pipelineDepth: 2, runner });
    const first = batcher.submit(rowsOf([[1]]));
    await vi.advanceTimersByTimeAsync(0);
    const second = [batcher.submit(rowsOf([[2]])), batcher.submit(rowsOf([[3]]))];
    await vi.advanceTimersByTimeAsync(0);
    expect(runs.map((run) => run.feeds.x!.shape[0])).toEqual([1, 2]);
    const third = batcher.submit(rowsOf([[4]]));
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toHaveLength(2);
    runs[0]!.finish();
    await first;
    await vi.advanceTimersByTimeAsync(0);
    expect(runs.map((run) => run.feeds.x!.shape[0])).toEqual([2, 1]);
    for (const run of runs.slice()) run.finish();
    await Promise.all([...second, third]);
  });

  it('should wait at most maxQueueDelayMs for workers busy with other models', async () => {
    const { runner, runs, setBusyElsewhere } = createManualRunner();
    setBusyElsewhere(true);
    const batcher = createBatcher({ ...options, runner });
    const answer = batcher.submit(rowsOf([[1, 2]]));
    await vi.advanceTimersByTimeAsync(4);
    expect(runs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toHaveLength(1);
    runs[0]!.finish();
    await expect(answer).resolves.toMatchObject({ batchSize: 1 });
  });

  it('should cut a batch into runs of at most maxBatchSize rows', async () => {
    const { runner, runs } = createManualRunner();
    const batcher = createBatcher({ ...options, maxBatchSize: 4, runner });
    const answers = [batcher.submit(rowsOf([[1], [1], [1]])), batcher.submit(rowsOf([[2], [2]])), batcher.submit(rowsOf([[3], [3]]))];
    await vi.advanceTimersByTimeAsync(0);
    expect(runs.map((run) => run.feeds.x!.shape[0])).toEqual([3, 4]);
    for (const run of runs.slice()) run.finish();
    expect((await Promise.all(answers)).map((response) => response.batchSize)).toEqual([3, 4, 4]);
  });

  it('should run requests of different shapes in separate runs', async () => {
    const { runner, runs } = createManualRunner();
    const batcher = createBatcher({ ...options, runner });
    const answers = [batcher.submit(rowsOf([[1, 2]])), batcher.submit(rowsOf([[1, 2, 3]])), batcher.submit(rowsOf([[4, 5]]))];
    await vi.advanceTimersByTimeAsync(0);
    expect(runs.map((run) => run.feeds.x!.shape)).toEqual([
      [2, 2],
      [1, 3],
    ]);
    for (const run of runs.slice()) run.finish();
    const responses = await Promise.all(answers);
    expect(responses.map((response) => [...(response.outputs.y!.data as Float32Array)])).toEqual([
      [1, 2],
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('should refuse a request with OVERLOADED once maxQueueSize requests wait', async () => {
    const { batcher, runs, endFirstRun } = await busyBatcher({ maxQueueSize: 2 });
    const queued = [batcher.submit(rowsOf([[1]])), batcher.submit(rowsOf([[2]]))];
    await expect(batcher.submit(rowsOf([[3]]))).rejects.toMatchObject({
      code: 'OVERLOADED',
      message: expect.stringContaining('maxQueueSize 2'),
    });
    await endFirstRun();
    runs[0]!.finish();
    await expect(Promise.all(queued)).resolves.toHaveLength(2);
  });

  it('should drop a request whose deadline passed in the queue without running it', async () => {
    const { batcher, runs, endFirstRun } = await busyBatcher();
    const expiring = batcher.submit({ ...rowsOf([[7]]), signal: timeoutOnFakeClock(10) });
    const patient = batcher.submit(rowsOf([[8]]));
    const expired = expect(expiring).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED', message: expect.stringContaining('queued') });
    await vi.advanceTimersByTimeAsync(10);
    await expired;

    await endFirstRun();
    expect([...(runs[0]!.feeds.x!.data as Float32Array)]).toEqual([8]);
    runs[0]!.finish();
    await expect(patient).resolves.toMatchObject({ batchSize: 1 });
  });

  it("should give an expired request's place in the queue to the next one", async () => {
    const { batcher, runs, endFirstRun } = await busyBatcher({ maxQueueSize: 1 });
    const expiring = batcher.submit({ ...rowsOf([[1]]), signal: timeoutOnFakeClock(10) }).catch((error: { code: string }) => error.code);
    await expect(batcher.submit(rowsOf([[2]]))).rejects.toMatchObject({ code: 'OVERLOADED' });
    await vi.advanceTimersByTimeAsync(10);
    expect(await expiring).toBe('DEADLINE_EXCEEDED');
    expect(batcher.stats().queued).toBe(0);
    const next = batcher.submit(rowsOf([[3]]));
    await endFirstRun();
    expect([...(runs[0]!.feeds.x!.data as Float32Array)]).toEqual([3]);
    runs[0]!.finish();
    await expect(next).resolves.toMatchObject({ batchSize: 1 });
  });

  it('should drop a queued request when its client goes away', async () => {
    const { batcher, runs, endFirstRun } = await busyBatcher();
    const controller = new AbortController();
    const cancelled = batcher.submit({ ...rowsOf([[9]]), signal: controller.signal });
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ message: expect.stringContaining('cancelled') });
    await endFirstRun();
    await vi.advanceTimersByTimeAsync(10);
    expect(runs).toHaveLength(0);
    expect(batcher.stats()).toMatchObject({ queued: 0, inFlight: 0 });
  });

  it('should retry each request alone when a shared run fails, so only the bad one fails', async () => {
    const { runner, runs } = createManualRunner();
    const batcher = createBatcher({ ...options, runner });
    const answers = [batcher.submit(rowsOf([[1]])), batcher.submit(rowsOf([[-1]])), batcher.submit(rowsOf([[3]]))].map((answer) =>
      answer.then(
        (response) => [...(response.outputs.y!.data as Float32Array)],
        (error: { code: string }) => error.code,
      ),
    );
    await vi.advanceTimersByTimeAsync(0);
    runs[0]!.fail(new Error('negative input'));
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toHaveLength(3);
    for (const run of runs.slice()) {
      if ((run.feeds.x!.data as Float32Array)[0]! < 0) run.fail(new Error('negative input'));
      else run.finish();
    }
    expect(await Promise.all(answers)).toEqual([[1], 'INTERNAL', [3]]);
    expect(batcher.stats()).toMatchObject({ requests: 3, failures: 1 });
  });

  it('should resolve drained once nothing is queued or running', async () => {
    const { runner, runs } = createManualRunner();
    const batcher = createBatcher({ ...options, runner });
    const answer = batcher.submit(rowsOf([[1]]));
    let drained = false;
    const waiting = batcher.drained().then(() => (drained = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(drained).toBe(false);
    runs[0]!.finish();
    await answer;
    await waiting;
    expect(drained).toBe(true);
  });
});

/** What AbortSignal.timeout gives, on the fake clock (which AbortSignal.timeout's own timer ignores). */
function timeoutOnFakeClock(ms: number): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms);
  return controller.signal;
}
