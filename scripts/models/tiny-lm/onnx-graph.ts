/** A small builder for ONNX graphs written node by node with onnx-proto. */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

// IR 8 / opset 17 is ONNX 1.12, as in dense-onnx.ts: every onnxruntime since 1.12 loads it.
const IR_VERSION = 8;
const OPSET = 17;

export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;
export const BOOL = onnx.TensorProto.DataType.BOOL;

/** A dimension: a size, or the name of a symbolic one. */
export type Dim = number | string;

/** Integer attributes only: the graphs here need no others. */
export type Attributes = Record<string, number | readonly number[]>;

export interface GraphBuilder {
  /** Adds a float32 initializer and returns its name. */
  floats(name: string, dims: readonly number[], data: Float32Array): string;
  /** Adds an int64 initializer and returns its name. */
  ints(name: string, dims: readonly number[], values: readonly number[]): string;
  /** Adds a node with one output, named `output` or after the node, and returns that name. */
  node(opType: string, inputs: readonly string[], attributes?: Attributes, output?: string): string;
  input(name: string, elemType: number, dims: readonly Dim[]): void;
  output(name: string, elemType: number, dims: readonly Dim[]): void;
  /** The serialized model. */
  encode(options: { name: string; docString: string }): Uint8Array;
}

export function createGraphBuilder(): GraphBuilder {
  const nodes: onnxProto.onnx.INodeProto[] = [];
  const initializer: onnxProto.onnx.ITensorProto[] = [];
  const inputs: onnxProto.onnx.IValueInfoProto[] = [];
  const outputs: onnxProto.onnx.IValueInfoProto[] = [];
  const counts = new Map<string, number>();

  const valueInfo = (name: string, elemType: number, dims: readonly Dim[]): onnxProto.onnx.IValueInfoProto => ({
    name,
    type: {
      tensorType: { elemType, shape: { dim: dims.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim })) } },
    },
  });

  return {
    floats(name, dims, data) {
      // raw_data is little-endian by spec, as are the typed arrays of every platform Node runs on.
      initializer.push({ name, dims: [...dims], dataType: FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
      return name;
    },
    ints(name, dims, values) {
      const data = BigInt64Array.from(values, (value) => BigInt(value));
      initializer.push({ name, dims: [...dims], dataType: INT64, rawData: new Uint8Array(data.buffer) });
      return name;
    },
    node(opType, nodeInputs, attributes = {}, output) {
      const count = (counts.get(opType) ?? 0) + 1;
      counts.set(opType, count);
      const name = `${opType}_${count}`;
      const attribute = Object.entries(attributes).map(([key, value]) =>
        typeof value === 'number'
          ? { name: key, type: onnx.AttributeProto.AttributeType.INT, i: value }
          : { name: key, type: onnx.AttributeProto.AttributeType.INTS, ints: [...value] },
      );
      const result = output ?? `${name}_out`;
      nodes.push({ opType, name, input: [...nodeInputs], output: [result], attribute });
      return result;
    },
    input(name, elemType, dims) {
      inputs.push(valueInfo(name, elemType, dims));
    },
    output(name, elemType, dims) {
      outputs.push(valueInfo(name, elemType, dims));
    },
    encode({ name, docString }) {
      const model = onnx.ModelProto.create({
        irVersion: IR_VERSION,
        opsetImport: [{ domain: '', version: OPSET }],
        producerName: 'infergraph scripts/build-models.ts',
        docString,
        graph: { name, node: nodes, initializer, input: inputs, output: outputs },
      });
      return onnx.ModelProto.encode(model).finish();
    },
  };
}
