/**
 * One raw inference thread: a single onnxruntime session, one run per message, answered with
 * how long `session.run` took. No batching, no decoding: the floor a server adds to.
 */
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import type { RawRequest, RawResponse, RawWorkerData } from './raw-protocol.ts';

if (!parentPort) throw new Error('raw-worker.ts runs only as a worker thread');
const port = parentPort;
const { modelPath, intraOpNumThreads } = workerData as RawWorkerData;

const session = await ort.InferenceSession.create(modelPath, {
  intraOpNumThreads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});

// One run at a time, so that computeMs is the run alone and not the wait behind earlier ones.
const queue: RawRequest[] = [];
let running = false;

port.on('message', (request: RawRequest) => {
  queue.push(request);
  if (!running) void drain();
});

async function drain(): Promise<void> {
  running = true;
  for (let request = queue.shift(); request; request = queue.shift()) {
    const feeds = { [request.input]: new ort.Tensor('float32', request.data, request.shape) };
    try {
      const started = performance.now();
      const outputs = await session.run(feeds);
      const computeMs = performance.now() - started;
      // Read the outputs out, as a server must before answering.
      const bytes = Object.values(outputs).reduce((sum, tensor) => sum + (tensor.data as Float32Array).byteLength, 0);
      port.postMessage({ id: request.id, ok: true, computeMs, bytes } satisfies RawResponse);
    } catch (error) {
      port.postMessage({ id: request.id, ok: false, error: String(error) } satisfies RawResponse);
    }
  }
  running = false;
}
port.postMessage({ inputNames: session.inputNames });
