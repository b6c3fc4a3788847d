/**
 * `runPipeline` for the app: the SDK's generated RunPipelineDocument over the SDK's own HTTP transport, the image
 * file as a multipart part, so that its failures are InferGraphErrors like every other call's. The SDK's client has
 * no method for it yet; once it has, the session can hand out the client's instead.
 */
import { RunPipelineDocument, type RunPipelineMutation } from '../../sdk/src/generated/graphql.ts';
import { createHttpTransport } from '../../sdk/src/http.ts';

export type PipelineResult = RunPipelineMutation['runPipeline'];

export interface PipelineRequest {
  /** A model whose catalog entry has `pipeline` set. */
  model: string;
  /** The encoded image (PNG, JPEG or WebP) as it came from the file. */
  image: Uint8Array;
  signal?: AbortSignal;
}

export type RunPipeline = (request: PipelineRequest) => Promise<PipelineResult>;

export function createPipelineRunner({ url, apiKey }: { url: string; apiKey: string | null }): RunPipeline {
  const http = createHttpTransport({
    url,
    fetch: globalThis.fetch.bind(globalThis),
    headers: async () => (apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
  });
  return async ({ model, image, signal }) => {
    // The multipart map puts the file part where the null stands.
    const input = { model, image: { file: null } };
    const { runPipeline } = await http.execute(
      RunPipelineDocument,
      { input },
      { model, signal, files: [{ path: 'input.image.file', bytes: image }] },
    );
    return runPipeline;
  };
}
