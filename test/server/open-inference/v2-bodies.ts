/** Request bodies as an Open Inference Protocol client sends them, and a served version to check their tensors against. */
import { Buffer } from 'node:buffer';
import { expect } from 'vitest';
import type { ServedVersion, TensorLimits } from '../../../src/batching/decode-inputs.ts';
import { InferError } from '../../../src/errors.ts';
import type { DataType } from '../../../src/runtime/tensor.ts';

/** What messages name the model by; the label of `servedVersion`. */
export const CONTEXT = 'model "m" v1';

export const LIMITS: TensorLimits = { maxTensorBytes: 1 << 30, maxTensorElements: 1 << 28, maxInputs: 16 };

/** A version with these inputs and no batching, as the predictor's decodeInputs takes it. */
export function servedVersion(inputs: { name: string; dataType: DataType; shape: number[] }[]): ServedVersion {
  return {
    label: CONTEXT,
    signature: { inputs: inputs.map((spec) => ({ ...spec, dimNames: spec.shape.map(() => null) })), outputs: [] },
    batchAxes: null,
    maxBatchSize: 0,
  };
}

/** A body of JSON `header` followed by `parts`, and its Inference-Header-Content-Length, as tritonclient builds them. */
export function withBinary(header: unknown, ...parts: Uint8Array[]): { body: Uint8Array; headerLength: number } {
  const json = new TextEncoder().encode(JSON.stringify(header));
  return { body: Buffer.concat([json, ...parts]), headerLength: json.byteLength };
}

/** The body of a request without binary data. */
export function jsonBody(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** BYTES elements in the binary layout the protocol gives: a 4-byte little-endian length, then the bytes. */
export function lengthPrefixed(elements: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(
    elements.flatMap((element) => {
      const length = Buffer.alloc(4);
      length.writeUInt32LE(element.byteLength);
      return [length, element];
    }),
  );
}

/** Runs `run`, which must throw an InferError with `code`, and returns it. */
export function caught(code: InferError['code'], run: () => unknown): InferError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InferError);
    expect((error as InferError).code, (error as InferError).message).toBe(code);
    return error as InferError;
  }
  throw new Error(`expected ${code}, but nothing was thrown`);
}
