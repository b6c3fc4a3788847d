/** A loaded session's inputs and outputs as a ModelSignature. */
import type { InferenceSession } from 'onnxruntime-node';
import { InferError } from '../errors.ts';
import { dataTypeFromOrt } from './tensor.ts';
import type { ModelSignature, TensorSpec } from './tensor-spec.ts';

/** Reads inputs and outputs off a loaded session, refusing what onnxruntime-node cannot pass. */
export function readSignature(session: InferenceSession): ModelSignature {
  return {
    inputs: session.inputMetadata.map((metadata) => toSpec('input', metadata)),
    outputs: session.outputMetadata.map((metadata) => toSpec('output', metadata)),
  };
}

function toSpec(role: 'input' | 'output', metadata: InferenceSession.ValueMetadata): TensorSpec {
  if (!metadata.isTensor) {
    throw new InferError('INTERNAL', `${role} "${metadata.name}" is not a tensor; infergraph serves tensor inputs and outputs only`);
  }
  const dataType = dataTypeFromOrt(metadata.type);
  if (dataType === undefined) {
    throw new InferError('INTERNAL', `${role} "${metadata.name}" has element type ${metadata.type}, which infergraph does not serve`);
  }
  if (dataType === 'BF16') {
    throw new InferError('INTERNAL', `${role} "${metadata.name}" is BF16, which onnxruntime-node cannot pass in or out of a session`);
  }
  return {
    name: metadata.name,
    dataType,
    shape: metadata.shape.map((dim) => (typeof dim === 'number' && dim >= 0 ? dim : -1)),
    dimNames: metadata.shape.map((dim) => (typeof dim === 'string' && dim !== '' ? dim : null)),
  };
}
