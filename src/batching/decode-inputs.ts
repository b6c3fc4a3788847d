/** Checks a request's wire tensors against the model's signature and decodes them, with errors that name the tensor. */
import { InferError } from '../errors.ts';
import { type BatchAxes, batchAxisOf } from '../runtime/batch-axes.ts';
import { decodeBytes, decodeJson, fromBase64 } from '../runtime/codec.ts';
import { BYTES_PER_ELEMENT, type DataType, elementCount, formatShape, type Tensor } from '../runtime/tensor.ts';
import type { ModelSignature, TensorSpec } from '../runtime/tensor-spec.ts';

/** A tensor as a client sent it, before it is checked against the model. Exactly one payload is set. */
export interface TensorInput {
  name: string;
  dataType?: DataType | null | undefined;
  /** Optional only for an image, whose tensor's shape the model's preprocessing says. */
  shape?: readonly number[] | null | undefined;
  data?: readonly unknown[] | null | undefined;
  base64?: string | null | undefined;
  bytes?: Uint8Array | null | undefined;
  /** An encoded image (PNG, JPEG, WebP) for the input the model's preprocessing fills; image-inputs.ts decodes it. */
  image?: Uint8Array | null | undefined;
  /** Already decoded by the server (a frame cut from a longer tensor, an image): checked, not decoded. */
  tensor?: Tensor | null | undefined;
}

export interface ServedVersion {
  /** `model "name" v3`, the prefix of every message about this version. */
  label: string;
  signature: ModelSignature;
  /** Per input and output, the dim that is its batch dim (null for none); null when requests run one at a time. */
  batchAxes: BatchAxes | null;
  maxBatchSize: number;
}

/** What one request's tensors may be at most; past any, INVALID_TENSOR before anything is decoded. */
export interface TensorLimits {
  /** Of one tensor, in bytes, in any wire form. */
  maxTensorBytes: number;
  /** Of one tensor. */
  maxTensorElements: number;
  /** Tensors in one request. */
  maxInputs: number;
}

export interface DecodedInputs {
  inputs: Record<string, Tensor>;
  /** Rows along the batch dim, shared by every input (1 without a batch dim). */
  rows: number;
}

/**
 * Checks what a client sent against the model's inputs (names, data types, ranks, fixed dims,
 * sizes) and decodes it, before anything reaches a worker. Every failure is INVALID_TENSOR and
 * names the model, the tensor, what was expected and what came.
 */
export function decodeInputs(
  version: ServedVersion,
  sent: readonly TensorInput[],
  limits: TensorLimits,
  /** Inputs the server fills itself (a sequence's state): a client may not send them. */
  carried: ReadonlySet<string> = new Set(),
): DecodedInputs {
  const { label, signature } = version;
  checkInputCount(label, sent, limits);
  const specs = new Map(signature.inputs.map((spec) => [spec.name, spec]));
  const inputs: Record<string, Tensor> = {};
  for (const input of sent) {
    const spec = specs.get(input.name);
    if (!spec) throw invalid(`${label} has no input "${input.name}" (inputs: ${names(signature.inputs)})`, input.name);
    if (input.name in inputs) throw invalid(`input "${input.name}" of ${label} is given twice`, input.name);
    if (carried.has(input.name)) {
      throw invalid(
        `input "${input.name}" of ${label} is sequence state, which the server carries from call to call; leave it out`,
        input.name,
      );
    }
    try {
      inputs[input.name] = decodeInput(`input "${input.name}" of ${label}`, spec, input, limits);
    } catch (error) {
      // The codec knows the tensor only by the context string in its message.
      if (error instanceof InferError) throw new InferError(error.code, error.message, { details: { tensor: input.name } });
      throw error;
    }
  }
  const missing = signature.inputs.filter((spec) => !(spec.name in inputs) && !carried.has(spec.name));
  if (missing.length > 0) {
    const list = missing.map((spec) => `"${spec.name}" ${spec.dataType} ${formatSpecShape(spec)}`).join(', ');
    throw invalid(`${label} needs input ${list}, which the request does not give`, missing[0]!.name);
  }
  return { inputs, rows: batchRows(version, inputs) };
}

/** Decodes one input on its own (a whole buffer a stream will cut into frames), checked against the model's spec. */
export function decodeTensorInput({ label, signature }: ServedVersion, input: TensorInput, limits: TensorLimits): Tensor {
  const spec = signature.inputs.find((candidate) => candidate.name === input.name);
  if (!spec) throw invalid(`${label} has no input "${input.name}" (inputs: ${names(signature.inputs)})`, input.name);
  return decodeInput(`input "${input.name}" of ${label}`, spec, input, limits);
}

/**
 * A request may not list more tensors than `maxInputs`, checked before any is looked at: a model has few inputs, and
 * a list of thousands is a mistake or an attack. INVALID_TENSOR, like every other way the tensors do not fit.
 */
export function checkInputCount(label: string, sent: readonly TensorInput[], { maxInputs }: TensorLimits): void {
  if (sent.length > maxInputs) {
    throw invalid(`${label}: the request gives ${sent.length} input tensors, over the limit of ${maxInputs}`, null);
  }
}

/** Checks that every output asked for exists; null means all of them. */
export function checkOutputs({ label, signature }: ServedVersion, outputs: readonly string[] | null | undefined): string[] | null {
  if (outputs === null || outputs === undefined) return null;
  if (outputs.length === 0) {
    throw invalid(`${label}: outputs is an empty list; name at least one output, or leave outputs out for all of them`, null);
  }
  const known = new Set(signature.outputs.map((spec) => spec.name));
  for (const name of outputs) {
    if (!known.has(name)) throw invalid(`${label} has no output "${name}" (outputs: ${names(signature.outputs)})`, name);
  }
  return [...new Set(outputs)];
}

function decodeInput(context: string, spec: TensorSpec, input: TensorInput, { maxTensorBytes, maxTensorElements }: TensorLimits): Tensor {
  const dataType = input.dataType ?? spec.dataType;
  if (dataType === 'BF16') {
    throw new InferError('INVALID_TENSOR', `${context}: BF16 is not supported, since onnxruntime-node cannot pass bfloat16 tensors`);
  }
  if (dataType !== spec.dataType) {
    throw new InferError('INVALID_TENSOR', `${context}: expected ${spec.dataType}, got ${dataType}`);
  }
  if (input.image) throw new InferError('INVALID_TENSOR', `${context}: an image is taken by predict; here, send the tensor`);
  const { shape } = input;
  if (!shape) throw new InferError('INVALID_TENSOR', `${context}: give its shape (only an image may come without one)`);
  if (shape.some((dim) => !Number.isInteger(dim) || dim < 0)) {
    throw new InferError('INVALID_TENSOR', `${context}: shape ${formatShape(shape)} has a negative dim`);
  }
  const fits = spec.shape.length === shape.length && spec.shape.every((dim, index) => dim === -1 || dim === shape[index]);
  if (!fits) {
    throw new InferError('INVALID_TENSOR', `${context}: expected shape ${formatSpecShape(spec)}, got ${formatShape(shape)}`);
  }
  const count = elementCount(shape);
  if (count > maxTensorElements) {
    throw new InferError(
      'INVALID_TENSOR',
      `${context}: shape ${formatShape(shape)} holds ${count} elements, over the limit of ${maxTensorElements}`,
    );
  }
  const bytes = dataType === 'STRING' ? count : count * BYTES_PER_ELEMENT[dataType];
  if (bytes > maxTensorBytes) {
    throw new InferError(
      'INVALID_TENSOR',
      `${context}: shape ${formatShape(shape)} is ${bytes} bytes, over the limit of ${maxTensorBytes}`,
    );
  }

  if (input.tensor) return input.tensor;
  const payloads = [input.data, input.base64, input.bytes].filter((payload) => payload !== undefined && payload !== null);
  if (payloads.length !== 1) {
    throw new InferError('INVALID_TENSOR', `${context}: give exactly one of data, base64 or file, got ${payloads.length}`);
  }
  if (input.data !== undefined && input.data !== null) {
    if (input.data.length !== count) {
      throw new InferError('INVALID_TENSOR', `${context}: shape ${formatShape(shape)} holds ${count} elements, got ${input.data.length}`);
    }
    return { dataType, shape: [...shape], data: decodeJson(dataType, input.data, context) };
  }
  const raw = input.bytes ?? fromBase64(input.base64!, context);
  // Both payloads arrive in buffers of their own (a decoded string, an uploaded part), so no copy is needed.
  return { dataType, shape: [...shape], data: decodeBytes(dataType, raw, count, context, { owned: true }) };
}

function batchRows({ label, batchAxes, maxBatchSize }: ServedVersion, inputs: Record<string, Tensor>): number {
  if (batchAxes === null) return 1;
  const batched = Object.entries(inputs).filter(([name]) => batchAxisOf(batchAxes, name) !== null);
  if (batched.length === 0) return 1;
  const rowsOf = ([name, tensor]: [string, Tensor]) => tensor.shape[batchAxisOf(batchAxes, name)!]!;
  const rows = new Set(batched.map(rowsOf));
  if (rows.size > 1) {
    const sizes = batched.map((entry) => `"${entry[0]}" ${rowsOf(entry)}`).join(', ');
    throw invalid(`${label}: every input needs the same batch size, got ${sizes}`, null);
  }
  const [count = 1] = rows;
  if (count > maxBatchSize) {
    const [[name]] = batched as [[string, Tensor]];
    throw invalid(
      `input "${name}" of ${label}: a batch of ${count} rows is over the model's maxBatchSize of ${maxBatchSize}`,
      name ?? null,
    );
  }
  return count;
}

function invalid(message: string, tensor: string | null): InferError {
  return new InferError('INVALID_TENSOR', message, { details: { tensor } });
}

function names(specs: readonly TensorSpec[]): string {
  return specs.map((spec) => `"${spec.name}"`).join(', ') || 'none';
}

function formatSpecShape(spec: TensorSpec): string {
  return formatShape(spec.shape.map((dim, index) => (dim !== -1 ? dim : index === 0 ? 'N' : '?')));
}
