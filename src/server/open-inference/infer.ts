/**
 * `POST /v2/models/{m}[/versions/{v}]/infer`: the protocol's inference, in its JSON form or with the binary tensor
 * data extension, through the same predictor as GraphQL's predict, so both ride in one version's batches. It is
 * priced and rate-limited as a predict of the same tensors is, and a stateful model's sequence is Triton's
 * `sequence_id`, `sequence_start` and `sequence_end` parameters.
 */
import type { TensorInput } from '../../batching/decode-inputs.ts';
import { InferError, versionLabel } from '../../errors.ts';
import type { ModelVersion } from '../../registry/model-version.ts';
import { fromBase64 } from '../../runtime/codec.ts';
import { formatShape } from '../../runtime/tensor.ts';
import { costRefusal, predictWorkCost } from '../operation-cost.ts';
import { rowsOf } from '../operation-work.ts';
import type { V2Route } from './open-inference.ts';
import { isBinaryOutput, parseInferRequest } from './v2-request.ts';
import { encodeInferResponse } from './v2-response.ts';

const INFER_PATH = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?\/infer$/;

export const inferRoute: V2Route = {
  method: 'POST',
  path: INFER_PATH,
  name: 'infer',
  scope: 'predict',
  async handle(call, { predictor, maxCost }) {
    const [name, requested] = call.params;
    const version = await call.registry.acquire(name!, requested);
    call.notes.model = version.model;
    call.notes.version = version.version;
    const label = versionLabel(version);
    const header = call.request.headers['inference-header-content-length'];
    const headerLength = header === undefined ? null : Number(header);
    const request = parseInferRequest(await call.body(), headerLength, label);

    // A field (predict's 1) and the work of its tensors: what GraphQL's cost limit prices the same predict at.
    const cost = 1 + predictWorkCost(request.inputs);
    const refused = costRefusal(cost, maxCost);
    if (refused) throw refused;
    await call.admit(rowsOf(request.inputs));

    const { outputs, timing } = await predictor.predict(version, {
      inputs: request.inputs.map((input) => imageOf(input, version, label) ?? input),
      outputs: request.outputs?.map((output) => output.name) ?? null,
      signal: call.signal,
      trace: call.trace,
      sequence: sequenceOf(request.parameters, call.principal.id, label),
    });
    call.notes.timing = timing;
    const encoded = encodeInferResponse({
      modelName: version.model,
      modelVersion: String(version.version),
      ...(request.id === undefined ? {} : { id: request.id }),
      outputs: Object.entries(outputs).map(([output, tensor]) => ({ name: output, tensor })),
      binary: (output) => isBinaryOutput(request, output),
    });
    const bytes = typeof encoded.body === 'string' ? Buffer.from(encoded.body) : encoded.body;
    const headers: Record<string, string> = { 'content-type': encoded.contentType };
    if (encoded.headerLength !== null) headers['inference-header-content-length'] = String(encoded.headerLength);
    return { bytes, headers };
  },
};

/**
 * An encoded image (PNG, JPEG, WebP) sent for the input a model's `preprocessing` fills, as Triton's image clients
 * send one: a BYTES tensor of one element, in binary form as its bytes, or in JSON as their base64 (an image is no
 * UTF-8 text; MLServer's `content_type: base64`). The server then makes the tensor, as for GraphQL's `image`.
 * Null for any other input, which goes on as it came.
 */
function imageOf(input: TensorInput, version: ModelVersion, label: string): TensorInput | null {
  const { preprocessing } = version.settings;
  const takes = preprocessing?.input ?? version.signature?.inputs[0]?.name;
  const spec = version.signature?.inputs.find((candidate) => candidate.name === input.name);
  if (!preprocessing || input.name !== takes || input.dataType !== 'STRING' || !spec || spec.dataType === 'STRING') return null;
  const context = `input "${input.name}" of ${label}`;
  const invalid = (message: string) => new InferError('INVALID_TENSOR', `${context}: ${message}`, { details: { tensor: input.name } });
  const count = (input.shape ?? []).reduce((product, dim) => product * dim, 1);
  if (count !== 1) throw invalid(`an image goes as one BYTES element (shape [1]), got shape ${formatShape(input.shape ?? [])}`);
  if (input.bytes) {
    const length = input.bytes.byteLength >= 4 ? new DataView(input.bytes.buffer, input.bytes.byteOffset).getUint32(0, true) : -1;
    if (length !== input.bytes.byteLength - 4) {
      throw invalid(`a BYTES element is a 4-byte length and as many bytes; ${input.bytes.byteLength} bytes do not make one element`);
    }
    return { name: input.name, image: input.bytes.subarray(4) };
  }
  const [element] = input.data ?? [];
  if (typeof element !== 'string') throw invalid('in JSON form, the image is its bytes base64-encoded, as one string');
  return { name: input.name, image: fromBase64(element, context) };
}

/** Triton's sequence parameters as infergraph's sequence: each caller's ids its own, as over GraphQL. */
function sequenceOf(parameters: Record<string, unknown> | undefined, owner: string, label: string) {
  const id = parameters?.sequence_id;
  if (id === undefined || id === 0 || id === '') return null;
  if (typeof id !== 'string' && !(typeof id === 'number' && Number.isInteger(id))) {
    throw new InferError('INVALID_ARGUMENT', `${label}: parameters.sequence_id must be a string or an integer, got ${JSON.stringify(id)}`);
  }
  const flag = (key: 'sequence_start' | 'sequence_end') => {
    const value = parameters?.[key];
    if (value !== undefined && typeof value !== 'boolean') {
      throw new InferError('INVALID_ARGUMENT', `${label}: parameters.${key} must be true or false, got ${JSON.stringify(value)}`);
    }
    return value ?? false;
  };
  return { id: String(id), owner, start: flag('sequence_start'), end: flag('sequence_end') };
}
