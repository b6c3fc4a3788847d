/**
 * The protocol's model repository extension (Triton's `extension_model_repository.md`): the index of every version
 * of every model the caller may see, and load and unload, which do what GraphQL's `loadModel` and `unloadModel` do
 * (the admin scope, the caller's view of the registry, the change announced to the other replicas).
 */
import { InferError } from '../../errors.ts';
import type { Model, ModelState } from '../../registry/model-version.ts';
import type { V2Call, V2Route } from './open-inference.ts';

/** The states the protocol names: Triton has no FAILED, and calls a version that failed to load UNAVAILABLE with its reason. */
const V2_STATES: Record<ModelState, string> = {
  READY: 'READY',
  LOADING: 'LOADING',
  UNLOADING: 'UNLOADING',
  UNAVAILABLE: 'UNAVAILABLE',
  FAILED: 'UNAVAILABLE',
};

interface IndexEntry {
  name: string;
  version?: string;
  state: string;
  reason: string;
}

/** A model's versions as the index lists them; a model whose folder cannot be served at all is one entry, without a version. */
function indexOf(model: Model): IndexEntry[] {
  if (model.versions.length === 0) return [{ name: model.name, state: 'UNAVAILABLE', reason: model.error ?? '' }];
  return model.versions.map((version) => ({
    name: model.name,
    version: String(version.version),
    state: V2_STATES[version.state],
    reason: version.stateReason ?? '',
  }));
}

/** The body as a JSON object: empty, or `{ … }`. */
async function objectBody(call: V2Call, route: string): Promise<Record<string, unknown>> {
  const text = (await call.body()).toString('utf8').trim();
  if (text === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InferError('INVALID_ARGUMENT', `the ${route} request body is not JSON`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InferError('INVALID_ARGUMENT', `the ${route} request body must be a JSON object, got ${JSON.stringify(body)}`);
  }
  return body as Record<string, unknown>;
}

/** The parameters of a load or unload; those infergraph cannot honour are refused rather than ignored. */
async function lifecycleParameters(call: V2Call, route: string): Promise<void> {
  const { parameters } = await objectBody(call, route);
  if (parameters === undefined) return;
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
    throw new InferError('INVALID_ARGUMENT', `${route}: parameters must be an object, got ${JSON.stringify(parameters)}`);
  }
  const given = parameters as Record<string, unknown>;
  if ('config' in given) {
    throw new InferError('INVALID_ARGUMENT', `${route}: a model's configuration is its model.json; the "config" parameter is not taken`);
  }
  if (given.unload_dependents === true) {
    throw new InferError('INVALID_ARGUMENT', `${route}: "unload_dependents" is not supported; unload a pipeline's steps by name`);
  }
}

export const repositoryRoutes: readonly V2Route[] = [
  {
    method: 'POST',
    path: /^\/v2\/repository\/index$/,
    name: 'repository index',
    scope: 'models:read',
    async handle(call) {
      const { ready = false } = await objectBody(call, 'repository index');
      if (typeof ready !== 'boolean')
        throw new InferError('INVALID_ARGUMENT', `"ready" must be true or false, got ${JSON.stringify(ready)}`);
      const entries = call.registry.list().flatMap(indexOf);
      return { json: ready ? entries.filter((entry) => entry.state === 'READY') : entries };
    },
  },
  {
    method: 'POST',
    path: /^\/v2\/repository\/models\/([^/]+)\/load$/,
    name: 'repository load',
    scope: 'admin',
    async handle(call, { announce }) {
      const name = call.params[0]!;
      call.notes.model = name;
      await lifecycleParameters(call, 'repository load');
      const model = await call.registry.load(name);
      announce({ action: 'load', model: name });
      // loadModel answers with the model in its states; the protocol's load answers an error when the load failed.
      const failed = model.versions.filter((version) => version.state === 'FAILED');
      const reason =
        model.error ?? (failed.length > 0 ? failed.map((version) => `v${version.version}: ${version.stateReason}`).join('; ') : null);
      if (reason !== null)
        throw new InferError('MODEL_NOT_READY', `model "${name}" failed to load: ${reason}`, { details: { model: name } });
      return { json: {} };
    },
  },
  {
    method: 'POST',
    path: /^\/v2\/repository\/models\/([^/]+)\/unload$/,
    name: 'repository unload',
    scope: 'admin',
    async handle(call, { announce }) {
      const name = call.params[0]!;
      call.notes.model = name;
      await lifecycleParameters(call, 'repository unload');
      await call.registry.unload(name);
      announce({ action: 'unload', model: name });
      return { json: {} };
    },
  },
];
