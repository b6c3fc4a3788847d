/** What a model says of its inputs and outputs. */
import type { DataType } from './tensor.ts';

/** What a model says of one of its inputs or outputs. Dynamic dims are -1, named in `dimNames`. */
export interface TensorSpec {
  name: string;
  dataType: DataType;
  shape: number[];
  /** The ONNX name of each dim (null where the dim is fixed or unnamed). */
  dimNames: (string | null)[];
}

export interface ModelSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}
