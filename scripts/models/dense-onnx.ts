/**
 * Writes a stack of dense layers as an ONNX model with onnx-proto: one Gemm per layer
 * (weights kept [out, in] as trained, hence transB), Relu between layers, Softmax at the end.
 */
import onnxProto from 'onnx-proto';
import type { DenseLayer } from './mlp.ts';

const { onnx } = onnxProto;

export interface DenseOnnxOptions {
  layers: readonly DenseLayer[];
  inputName: string;
  outputName: string;
  /** Symbolic name of dimension 0, so any batch size loads. */
  batchDim: string;
  docString: string;
}

// IR 8 / opset 17 is ONNX 1.12: ours (onnxruntime 1.30) and every runtime since 1.12 load it.
const IR_VERSION = 8;
const OPSET = 17;

export function denseToOnnx({ layers, inputName, outputName, batchDim, docString }: DenseOnnxOptions): Uint8Array {
  const first = layers[0];
  const last = layers.at(-1);
  if (!first || !last) throw new Error('denseToOnnx needs at least one layer');

  const nodes: onnxProto.onnx.INodeProto[] = [];
  const initializer: onnxProto.onnx.ITensorProto[] = [];
  let current = inputName;
  layers.forEach((layer, index) => {
    const w = `dense${index}.weight`;
    const b = `dense${index}.bias`;
    initializer.push(floatTensor(w, [layer.outputs, layer.inputs], layer.weights));
    initializer.push(floatTensor(b, [layer.outputs], layer.bias));
    const linear = `dense${index}.out`;
    nodes.push({
      opType: 'Gemm',
      name: `dense${index}`,
      input: [current, w, b],
      output: [linear],
      attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
    });
    const isLast = index === layers.length - 1;
    const activated = isLast ? outputName : `relu${index}.out`;
    nodes.push({ opType: isLast ? 'Softmax' : 'Relu', name: isLast ? 'softmax' : `relu${index}`, input: [linear], output: [activated] });
    current = activated;
  });

  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'infergraph scripts/build-models.ts',
    docString,
    graph: {
      name: 'dense',
      node: nodes,
      initializer,
      input: [floatValue(inputName, batchDim, first.inputs)],
      output: [floatValue(outputName, batchDim, last.outputs)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function floatTensor(name: string, dims: number[], data: Float32Array): onnxProto.onnx.ITensorProto {
  // raw_data is little-endian by spec, as are the typed arrays of every platform Node runs on.
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function floatValue(name: string, batchDim: string, width: number): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: batchDim }, { dimValue: width }] },
      },
    },
  };
}
