/**
 * The protocol's statistics extension (Triton's `extension_statistics.md`): each version's figures since it was
 * loaded, read from the predictor's batcher, as GraphQL's `ModelVersion.stats` and `/metrics` read them.
 *
 * Triton's words, in infergraph's figures: `inference_count` counts rows run (Triton: "each inference in a batched
 * request is counted as an individual inference"), `execution_count` ONNX runs, `inference_stats` is per request
 * (`queue` and `compute_infer` over the requests whose run returned, each counting its run's compute time) and
 * `batch_stats` per run size. Not kept, so 0: `compute_input` and `compute_output` (the copies to and from the
 * worker are inside a run's compute time) and `cache_hit` (infergraph keeps no response cache). Generation runs
 * are not inferences here: they are GraphQL's `ModelVersion.generation`.
 */
import { emptyStats } from '../../batching/batcher.ts';
import { modelNotFound } from '../../registry/catalog.ts';
import type { ModelVersion } from '../../registry/model-version.ts';
import { namedVersions } from '../../registry/routing.ts';
import type { V2Route, V2Server } from './open-inference.ts';

const NS_PER_MS = 1_000_000;

const duration = (count: number, ms: number) => ({ count, ns: Math.round(ms * NS_PER_MS) });
const NOT_KEPT = { count: 0, ns: 0 };

function statsOf(version: ModelVersion, { predictor }: V2Server) {
  const stats = predictor.stats(version.key) ?? emptyStats();
  return {
    name: version.model,
    version: String(version.version),
    last_inference: stats.lastRequestAt,
    inference_count: stats.items,
    execution_count: stats.runs,
    inference_stats: {
      success: duration(stats.successes, stats.successMsTotal),
      fail: duration(stats.failures, stats.failureMsTotal),
      queue: duration(stats.ran, stats.queueMsTotal),
      compute_input: NOT_KEPT,
      compute_infer: duration(stats.ran, stats.requestComputeMsTotal),
      compute_output: NOT_KEPT,
      cache_hit: NOT_KEPT,
    },
    batch_stats: Object.entries(stats.runsBySize).map(([size, { runs, computeMsTotal }]) => ({
      batch_size: Number(size),
      compute_input: NOT_KEPT,
      compute_infer: duration(runs, computeMsTotal),
      compute_output: NOT_KEPT,
    })),
  };
}

export const statisticsRoutes: readonly V2Route[] = [
  {
    method: 'GET',
    path: /^\/v2\/models(?:\/([^/]+)(?:\/versions\/([^/]+))?)?\/stats$/,
    name: 'statistics',
    scope: 'models:read',
    async handle({ params: [name, requested], registry, notes }, server) {
      if (name === undefined) {
        const versions = registry.list().flatMap((model) => model.versions);
        return { json: { model_stats: versions.map((version) => statsOf(version, server)) } };
      }
      const model = registry.get(name);
      if (!model) {
        throw modelNotFound(
          name,
          registry.list().map((each) => each.name),
        );
      }
      notes.model = model.name;
      // A version number, or an alias (its versions), as loadModel names them; every version without one.
      const versions = namedVersions(model, requested);
      return { json: { model_stats: versions.map((version) => statsOf(version, server)) } };
    },
  },
];
