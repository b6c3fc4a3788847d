/**
 * The protocol's health, server metadata, model metadata and model readiness routes. Not ready is 400, not 503:
 * the protocol says "a 200 status code indicates true and a 4xx status code indicates false" (GraphQL's port
 * answers 503 at /health/ready, for load balancers).
 */
import { InferError } from '../../errors.ts';
import type { ModelVersion } from '../../registry/model-version.ts';
import type { TensorSpec } from '../../runtime/tensor-spec.ts';
import type { V2Route } from './open-inference.ts';
import { toV2DataType } from './v2-datatypes.ts';

/** infergraph's version, as server metadata gives it; a test holds it to package.json's. */
export const INFERGRAPH_VERSION = '0.1.0';

/** The extensions served, as server metadata lists them (Triton's names). */
const V2_EXTENSIONS = ['binary_tensor_data', 'model_repository', 'statistics', 'generate'] as const;

const MODEL = '/v2/models/([^/]+)(?:/versions/([^/]+))?';

const tensorMetadata = ({ name, dataType, shape }: TensorSpec) => ({ name, datatype: toV2DataType(dataType), shape: [...shape] });

/** What the protocol calls a model's platform: `ensemble` for a pipeline, as Triton names its ensembles. */
function platformOf(version: ModelVersion): string {
  return version.settings.pipeline ? 'ensemble' : 'onnxruntime_onnx';
}

export const metadataRoutes: readonly V2Route[] = [
  {
    method: 'GET',
    path: /^\/v2\/health\/live$/,
    name: 'server live',
    scope: null,
    // The event loop answers: it is live.
    handle: async () => ({ json: { live: true } }),
  },
  {
    method: 'GET',
    path: /^\/v2\/health\/ready$/,
    name: 'server ready',
    scope: null,
    handle: async (_call, server) => {
      const ready = server.ready();
      return { status: ready ? 200 : 400, json: { ready } };
    },
  },
  {
    method: 'GET',
    path: /^\/v2\/?$/,
    name: 'server metadata',
    scope: null,
    handle: async (_call, server) => ({ json: { name: 'infergraph', version: server.version, extensions: V2_EXTENSIONS } }),
  },
  {
    method: 'GET',
    path: new RegExp(`^${MODEL}$`),
    name: 'model metadata',
    scope: 'models:read',
    handle: async ({ params: [name, requested], registry, notes }) => {
      // The version that would serve: its signature is known once it is loaded (MODEL_NOT_READY before).
      const version = registry.resolve(name!, requested);
      notes.model = version.model;
      notes.version = version.version;
      const signature = version.signature!;
      return {
        json: {
          name: version.model,
          versions: registry.get(version.model)!.versions.map((each) => String(each.version)),
          platform: platformOf(version),
          inputs: signature.inputs.map(tensorMetadata),
          outputs: signature.outputs.map(tensorMetadata),
        },
      };
    },
  },
  {
    method: 'GET',
    path: new RegExp(`^${MODEL}/ready$`),
    name: 'model ready',
    scope: 'models:read',
    handle: async ({ params: [name, requested], registry }) => {
      try {
        const version = registry.resolve(name!, requested);
        return { json: { name: version.model, version: String(version.version), ready: true } };
      } catch (error) {
        if (!(error instanceof InferError) || error.code !== 'MODEL_NOT_READY') throw error;
        return { status: 400, json: { name, ...(requested === undefined ? {} : { version: requested }), ready: false } };
      }
    },
  },
];
