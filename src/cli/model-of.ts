/** The catalog's entry of a model a command names, as the server's MODEL_NOT_FOUND when it has none. */
import { type InferGraphClient, InferGraphError, type Model } from '../../clients/sdk/src/index.ts';

export async function modelOf(client: InferGraphClient, name: string, signal: AbortSignal): Promise<Model> {
  const model = await client.model(name, { signal });
  if (!model) throw new InferGraphError(`no model "${name}" in the repository`, { code: 'MODEL_NOT_FOUND', model: name });
  return model;
}
