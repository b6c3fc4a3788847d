/**
 * Writes an Open Inference Protocol (KServe v2) infer response: outputs as JSON, or with the binary tensor data
 * extension as `binary_data_size` in the JSON followed by their raw bytes. The elements are the codec's own
 * (encodeJson, encodeBytes), so both APIs answer with the same values.
 */
import { encodeBytes, encodeJson } from '../../runtime/codec.ts';
import type { Tensor } from '../../runtime/tensor.ts';
import { toV2DataType } from './v2-datatypes.ts';

export interface InferResponse {
  modelName: string;
  modelVersion: string;
  /** The request's `id`, echoed back. */
  id?: string | undefined;
  outputs: readonly { name: string; tensor: Tensor }[];
  /** Whether output `name` goes back as binary data (see isBinaryOutput). */
  binary: (name: string) => boolean;
  parameters?: Record<string, unknown> | undefined;
}

export interface EncodedResponse {
  /** A JSON string, or with any binary output the JSON's UTF-8 followed by the outputs' bytes. */
  body: Uint8Array | string;
  /** The JSON's length in bytes, for `Inference-Header-Content-Length`; null when the body is JSON alone. */
  headerLength: number | null;
  contentType: 'application/json' | 'application/octet-stream';
}

interface JsonRaw {
  rawJSON(text: string): unknown;
}

// JSON.rawJSON (Node 21+) writes a literal as given; TypeScript's ES2023 lib does not declare it yet.
const { rawJSON } = JSON as unknown as JsonRaw;
const UTF8 = new TextEncoder();

export function encodeInferResponse({ modelName, modelVersion, id, outputs, binary, parameters }: InferResponse): EncodedResponse {
  const parts: Uint8Array[] = [];
  const written = outputs.map(({ name, tensor }) => {
    const head = { name, datatype: toV2DataType(tensor.dataType), shape: [...tensor.shape] };
    if (!binary(name)) return { ...head, data: jsonElements(tensor) };
    const bytes = encodeBytes(tensor);
    parts.push(bytes);
    return { ...head, parameters: { binary_data_size: bytes.byteLength } };
  });
  const json = JSON.stringify({
    model_name: modelName,
    model_version: modelVersion,
    ...(id === undefined ? {} : { id }),
    ...(parameters === undefined ? {} : { parameters }),
    outputs: written,
  });
  if (parts.length === 0) return { body: json, headerLength: null, contentType: 'application/json' };

  const header = UTF8.encode(json);
  const body = new Uint8Array(header.byteLength + parts.reduce((total, part) => total + part.byteLength, 0));
  body.set(header);
  let offset = header.byteLength;
  for (const part of parts) {
    body.set(part, offset);
    offset += part.byteLength;
  }
  return { body, headerLength: header.byteLength, contentType: 'application/octet-stream' };
}

/**
 * The flat row-major JSON list, as GraphQL's `data` writes it, with one difference: an INT64 or UINT64 element past
 * ±2^53 is written as an exact JSON number literal, as Triton writes it, not as the decimal string GraphQL uses.
 * A client whose JSON parser reads numbers as doubles rounds it there (Python's json keeps it whole). Floats that
 * JSON cannot hold stay as GraphQL writes them: "NaN", "Infinity" and "-Infinity".
 */
function jsonElements(tensor: Tensor): unknown[] {
  const elements = encodeJson(tensor);
  if (tensor.dataType === 'INT64' || tensor.dataType === 'UINT64') {
    return elements.map((element) => (typeof element === 'string' ? rawJSON(element) : element));
  }
  // JSON.stringify writes -0 as 0; a float's sign is part of its bytes, so it is written as Triton (rapidjson) writes it.
  if (tensor.dataType === 'FP16' || tensor.dataType === 'FP32' || tensor.dataType === 'FP64') {
    return elements.map((element) => (Object.is(element, -0) ? rawJSON('-0.0') : element));
  }
  return elements;
}
