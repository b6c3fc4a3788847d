/**
 * The body of one inference thread. It holds onnxruntime sessions of many model versions
 * and answers the pool's requests one at a time: session.run blocks this thread, not the
 * server's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { InferError, serializeError } from '../errors.ts';
import { readDecoderSignature } from './decoder-signature.ts';
import { createDecoderStreams, type DecoderStreams } from './decoder-streams.ts';
import { halfBitsOf } from './fp16.ts';
import { rejectionOf } from './ort-rejection.ts';
import { readSignature } from './signature.ts';
import { dataTypeFromOrt, ORT_TYPE, type Tensor, type TensorElements, withOwnBuffer } from './tensor.ts';
import { lowerThreadPriority } from './thread-priority.ts';
import type { RunResult, WorkerData, WorkerRequest, WorkerResponse, WorkerResults } from './worker-protocol.ts';

if (!parentPort) throw new Error('worker.ts runs only as a worker thread');
const port = parentPort;
// Before any session exists, so that onnxruntime's own threads start as nice as this one.
lowerThreadPriority((workerData as WorkerData).nice);
const sessions = new Map<string, ort.InferenceSession>();
/** Per session key, the generation streams whose caches this thread holds (decoder-streams.ts). */
const decoders = new Map<string, DecoderStreams>();

port.on('message', (request: WorkerRequest) => {
  handle(request).then(
    ({ result, transfer }) => port.postMessage({ id: request.id, ok: true, result } satisfies WorkerResponse, transfer),
    (error: unknown) => port.postMessage({ id: request.id, ok: false, error: serializeError(error) } satisfies WorkerResponse),
  );
});

interface Handled {
  result: WorkerResults[keyof WorkerResults];
  transfer: ArrayBuffer[];
}

async function handle(request: WorkerRequest): Promise<Handled> {
  switch (request.type) {
    case 'load': {
      const session = await ort.InferenceSession.create(request.path, {
        intraOpNumThreads: request.options.intraOpNumThreads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        // Failures reach the server's log as structured lines naming the model and request;
        // onnxruntime's own stderr lines would repeat them without that context.
        logSeverityLevel: 4,
      }).catch((error: unknown) => {
        throw new Error(explainLoadError((error as Error).message));
      });
      try {
        const signature = readSignature(session);
        await sessions.get(request.key)?.release();
        sessions.set(request.key, session);
        decoders.delete(request.key);
        return { result: signature, transfer: [] };
      } catch (error) {
        await session.release();
        throw error;
      }
    }
    case 'run':
      return run(request.key, request.feeds, request.outputs);
    case 'prefill':
      return { result: await decoderOf(request.key).prefill(request.streams, request.padId), transfer: [] };
    case 'decode':
      return { result: await decoderOf(request.key).decode(request.streams), transfer: [] };
    case 'free':
      await decoders.get(request.key)?.free(request.streams);
      return { result: null, transfer: [] };
    case 'unload': {
      const session = sessions.get(request.key);
      sessions.delete(request.key);
      decoders.delete(request.key);
      await session?.release();
      return { result: null, transfer: [] };
    }
  }
}

function sessionOf(key: string): ort.InferenceSession {
  const session = sessions.get(key);
  if (!session) throw new InferError('MODEL_NOT_READY', `model version ${key} has no session on this worker`);
  return session;
}

function decoderOf(key: string): DecoderStreams {
  const existing = decoders.get(key);
  if (existing) return existing;
  const session = sessionOf(key);
  const decoder = readDecoderSignature(readSignature(session));
  if (typeof decoder === 'string') throw new InferError('INVALID_ARGUMENT', `model version ${key} cannot generate text: ${decoder}`);
  const streams = createDecoderStreams(decoder, async (feeds) => (await runSession(session, feeds, null)).outputs);
  decoders.set(key, streams);
  return streams;
}

async function run(key: string, feeds: Record<string, Tensor>, outputNames: string[] | null): Promise<Handled> {
  const { outputs, started, computeMs } = await runSession(sessionOf(key), feeds, outputNames);
  const transfer: ArrayBuffer[] = [];
  for (const tensor of Object.values(outputs)) if (!Array.isArray(tensor.data)) transfer.push(tensor.data.buffer as ArrayBuffer);
  return { result: { outputs, computeMs, computeStartedAt: performance.timeOrigin + started } satisfies RunResult, transfer };
}

/** One session.run on our tensors, for predict's runs and generation's steps alike; `computeMs` times session.run alone. */
async function runSession(session: ort.InferenceSession, feeds: Record<string, Tensor>, outputNames: string[] | null) {
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [name, tensor] of Object.entries(feeds)) ortFeeds[name] = toOrt(tensor);
  const started = performance.now();
  let ortOutputs: ort.InferenceSession.ReturnType;
  try {
    ortOutputs = outputNames ? await session.run(ortFeeds, outputNames) : await session.run(ortFeeds);
  } catch (error) {
    // The session exists and took the feeds, so this is onnxruntime judging the inputs (see ort-rejection.ts).
    throw rejectionOf(error);
  }
  const computeMs = performance.now() - started;
  const outputs: Record<string, Tensor> = {};
  for (const [name, value] of Object.entries(ortOutputs)) outputs[name] = fromOrt(value);
  return { outputs, started, computeMs };
}

function toOrt({ dataType, shape, data }: Tensor): ort.Tensor {
  if (dataType === 'BF16') throw new InferError('INVALID_TENSOR', 'BF16 tensors cannot be passed to onnxruntime-node');
  const tensor = new ort.Tensor(ORT_TYPE[dataType] as 'float32', data as Float32Array, shape);
  if (dataType === 'FP16') {
    // onnxruntime-common wraps Uint16Array float16 data in a Float16Array where the runtime has
    // one (Node 24), and the binding then reads it as 0 bytes (microsoft/onnxruntime#32323, open).
    // The binding takes the Uint16Array bits themselves, so it gets those.
    (tensor as unknown as { cpuData: Uint16Array }).cpuData = data as Uint16Array;
  }
  return tensor;
}

function fromOrt(value: ort.Tensor): Tensor {
  const dataType = dataTypeFromOrt(value.type);
  if (dataType === undefined) throw new InferError('INTERNAL', `output of element type ${value.type} cannot be served`);
  const data = dataType === 'FP16' ? halfBitsOf(value.data as ArrayBufferView) : (value.data as TensorElements);
  return { dataType, shape: [...value.dims], data: Array.isArray(data) ? data : withOwnBuffer(data) };
}

/** onnxruntime-node names a tensor type it cannot bind only by its ONNX number; 16 is bfloat16. */
function explainLoadError(message: string): string {
  if (/Unsupported data type: 16\b/.test(message)) {
    return `${message} (a tensor is BF16, which onnxruntime-node cannot pass in or out of a session)`;
  }
  return message;
}
