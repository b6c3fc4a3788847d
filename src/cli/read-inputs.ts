/** A predict's or an explain's input tensors from a file: JSON (tensors by input name), a .npy array or an image. */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Model, TensorInput } from '../../clients/sdk/src/index.ts';
import { UsageError } from './exit-codes.ts';
import { IMAGE_EXTENSIONS, readImage } from './image.ts';
import { readNpy } from './npy.ts';

type ModelInput = Model['versions'][number]['inputs'][number];

/** The version a file is read for: a READY one, else the first. */
const versionOf = (model: Model) => model.versions.find((version) => version.state === 'READY') ?? model.versions[0];

/** The input a single-tensor file fills: the one named, else the model's first. */
function inputOf(model: Model, name: string | undefined): ModelInput {
  const inputs = versionOf(model)?.inputs ?? [];
  const input = name === undefined ? inputs[0] : inputs.find((candidate) => candidate.name === name);
  if (!input)
    throw new UsageError(
      `model "${model.name}" has no input ${name === undefined ? '' : `"${name}"`}; its inputs: ${inputs.map((i) => i.name).join(', ')}`,
    );
  return input;
}

function fromJson(text: string, file: string): Record<string, TensorInput> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const tensors = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.entries(value) : [];
  const valid = tensors.every(
    ([, tensor]) =>
      typeof tensor === 'object' &&
      tensor !== null &&
      Array.isArray((tensor as TensorInput).data) &&
      Array.isArray((tensor as TensorInput).shape),
  );
  if (tensors.length === 0 || !valid) {
    throw new UsageError(`${file} must hold the input tensors by name: {"pixels": {"data": [...], "shape": [1, 256]}}`);
  }
  return Object.fromEntries(tensors) as Record<string, TensorInput>;
}

export async function readInputs(file: string, model: Model, inputName: string | undefined): Promise<Record<string, TensorInput>> {
  const bytes = await readFile(file);
  const extension = extname(file).toLowerCase();
  if (extension === '.json') return fromJson(bytes.toString('utf8'), file);
  if (extension === '.npy') {
    const input = inputOf(model, inputName);
    const tensor = readNpy(bytes, file);
    // One row without its batch dimension gets one.
    const shape = tensor.shape.length === input.shape.length - 1 ? [1, ...tensor.shape] : tensor.shape;
    return { [input.name]: { ...tensor, shape } };
  }
  if (IMAGE_EXTENSIONS.includes(extension)) {
    const preprocessing = versionOf(model)?.preprocessing;
    if (!preprocessing) {
      throw new UsageError(
        `model "${model.name}" says nothing of how to make its input from an image (a "preprocessing" block in its model.json): ` +
          'give the input as .json or .npy',
      );
    }
    const input = inputOf(model, inputName ?? preprocessing.input ?? undefined);
    if (preprocessing.input !== null && input.name !== preprocessing.input) {
      throw new UsageError(`model "${model.name}" makes input "${preprocessing.input}" from an image, not "${input.name}"`);
    }
    return { [input.name]: readImage(bytes, file, preprocessing) };
  }
  throw new UsageError(`${file}: inputs come from .json, .npy, ${IMAGE_EXTENSIONS.join(', ')} files`);
}
