/**
 * Makes the sessions of one version on the worker pool: its memory estimate, the load, its batch
 * axes and sequence check, and the warm-up, so that what it returns is ready to serve.
 */
import { stat } from 'node:fs/promises';
import type { BatchingDefaults } from '../config.ts';
import type { ModelConfig } from '../repository/model-config.ts';
import type { ModelEntry } from '../repository/scan-repository.ts';
import { decodeJson } from '../runtime/codec.ts';
import { allocate, elementCount } from '../runtime/tensor.ts';
import type { ModelSignature } from '../runtime/tensor-spec.ts';
import type { WorkerPool } from '../runtime/worker-pool.ts';
import { checkPreprocessing } from './image-preprocessing.ts';
import { inferBatchAxes, type ModelVersion } from './model-version.ts';
import { checkDecodings } from './output-decoding.ts';
import { checkSequence, settingsOf } from './version-settings.ts';

export interface SessionLoaderOptions {
  pool: WorkerPool;
  /** The server's batching settings, under what each model.json says. */
  defaults: BatchingDefaults;
  /**
   * Called with a load's estimated bytes before its sessions are made, so that room can be made
   * for them (the memory budget evicts there). @default makes no room
   */
  makeRoom?: (bytes: number, incoming: ModelVersion) => Promise<void>;
}

/** What a version is served with once loaded. */
export type LoadedSession = Pick<
  ModelVersion,
  'key' | 'signature' | 'settings' | 'labels' | 'tokenizerFiles' | 'loadMs' | 'warmupMs' | 'memoryBytes'
>;

export interface SessionLoader {
  /** Loads `version` as `entry` describes it, under session key `key`; resolves with what to serve it with, or throws why not. */
  load(entry: ModelEntry, version: ModelVersion, key: string): Promise<LoadedSession>;
}

type WarmupConfig = NonNullable<ModelConfig['warmup']>;

export function createSessionLoader({ pool, defaults, makeRoom = async () => {} }: SessionLoaderOptions): SessionLoader {
  /** Runs the warm-up inputs through every instance; resolves with the time it took. */
  async function warmUp(key: string, signature: ModelSignature, warmup: WarmupConfig, instances: number): Promise<number> {
    const started = performance.now();
    for (let run = 0; run < (warmup.runs ?? 1); run++) {
      // As many at once as there are instances, so that each session runs (the pool spreads them).
      await Promise.all(Array.from({ length: instances }, () => pool.run(key, warmupFeeds(signature, warmup))));
    }
    return performance.now() - started;
  }

  return {
    async load(entry, version, key) {
      const problem = entry.error ?? entry.versions.find((candidate) => candidate.version === version.version)?.error;
      if (problem) throw new Error(problem);
      const settings = settingsOf(entry, defaults);
      const instances = Math.min(settings.instances, pool.size);
      const started = performance.now();
      const memoryBytes = (await stat(version.path)).size * instances;
      await makeRoom(memoryBytes, version);
      const signature = await pool.load(key, version.path, {
        instances: settings.instances,
        intraOpNumThreads: settings.intraOpNumThreads,
      });
      let warmupMs: number | null = null;
      try {
        settings.batchAxes = inferBatchAxes(signature, entry.config);
        if (settings.batchAxes === null) settings.maxBatchSize = 1;
        checkSequence(settings.sequence, signature);
        settings.preprocessing = checkPreprocessing(settings.preprocessing, signature);
        checkDecodings(settings.decodings, signature);
        if (entry.config.warmup) warmupMs = await warmUp(key, signature, entry.config.warmup, instances);
      } catch (error) {
        // A model that loaded but is misconfigured (or fails its warm-up) must not keep its sessions.
        await pool.unload(key);
        throw error;
      }
      const loadMs = performance.now() - started;
      return { key, signature, settings, labels: entry.labels, tokenizerFiles: entry.tokenizer, loadMs, warmupMs, memoryBytes };
    },
  };
}

/** One run's inputs: those model.json gives outright, the rest zero- or random-filled in the shapes it names (dynamic dims 1). */
function warmupFeeds(signature: ModelSignature, warmup: WarmupConfig) {
  return Object.fromEntries(
    signature.inputs.map((spec) => {
      const given = warmup.inputs?.[spec.name];
      if (given) {
        const context = `model.json "warmup.inputs.${spec.name}"`;
        return [spec.name, { dataType: spec.dataType, shape: given.shape, data: decodeJson(spec.dataType, given.data, context) }];
      }
      const shape = warmup.shapes?.[spec.name] ?? spec.shape.map((dim) => (dim === -1 ? 1 : dim));
      const data = allocate(spec.dataType, elementCount(shape));
      if (warmup.fill === 'random' && (data instanceof Float32Array || data instanceof Float64Array)) {
        for (let index = 0; index < data.length; index++) data[index] = Math.random();
      }
      return [spec.name, { dataType: spec.dataType, shape, data }];
    }),
  );
}
