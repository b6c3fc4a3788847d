/**
 * Whether a pipeline can serve, from its steps: each names a model of the repository that takes an image and
 * decodes its output (model.json `preprocessing` and `postprocessing`), in an order that makes sense; and each
 * step's version is READY, or loads on the pipeline's first request. The registry keeps a pipeline's state by it.
 */
import { InferError } from '../errors.ts';
import type { PipelineConfig } from '../repository/model-config.ts';
import type { Model } from './model-version.ts';
import { type RoutingOptions, requestedVersion, servingVersion } from './routing.ts';
import { loadsOnRequest } from './unavailable-cause.ts';

export interface PipelineProblem {
  /** FAILED when the pipeline is wrong as written (until its folder or a step's changes); else UNAVAILABLE until the steps are READY. */
  state: 'FAILED' | 'UNAVAILABLE';
  reason: string;
}

/** What keeps the pipeline from serving now; null when every step can. */
export function pipelineProblem(
  pipeline: PipelineConfig,
  modelNamed: (name: string) => Model | undefined,
  routing: RoutingOptions,
): PipelineProblem | null {
  let regions = false;
  for (const step of pipeline.steps) {
    const failed = (reason: string): PipelineProblem => ({ state: 'FAILED', reason: `step "${step.name}" (${step.model}): ${reason}` });
    const model = modelNamed(step.model);
    if (!model) return failed(`model "${step.model}" is not in the repository`);
    const { config } = model.entry;
    if (config.pipeline) return failed('a step is a model, not another pipeline');
    if (!config.preprocessing) return failed('its model.json has no "preprocessing", so it takes no image');
    const [decoding] = Object.values(config.postprocessing ?? {});
    if (!decoding) return failed('its model.json has no "postprocessing", so its output says nothing the pipeline can use');
    if (step.forEachRegion && !regions) return failed('"forEachRegion" needs an earlier step that finds regions (TEXT_BOXES)');
    if (decoding.kind === 'TEXT_BOXES') {
      if (step.forEachRegion) return failed('a step that finds regions runs on the whole image, not "forEachRegion"');
      if (regions) return failed('regions are found once; an earlier step already finds them');
      regions = true;
    }
    if (step.rotate && decoding.kind !== 'CLASSES') return failed('"rotate" needs a step that classifies (CLASSES)');
    if (step.rotate && !step.forEachRegion) return failed('"rotate" turns regions, so it needs "forEachRegion"');
    try {
      servingVersion(model, step.version, routing);
    } catch (error) {
      if (!(error instanceof InferError)) throw error;
      const waiting = requestedVersion(model, step.version, routing);
      if (error.code === 'MODEL_NOT_READY' && waiting && loadsOnRequest(waiting.unavailableCause)) continue;
      const problem = `step "${step.name}": ${error.message}`;
      return error.code === 'MODEL_NOT_FOUND' ? { state: 'FAILED', reason: problem } : { state: 'UNAVAILABLE', reason: problem };
    }
  }
  return null;
}
