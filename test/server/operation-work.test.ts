import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createSchema } from '../../src/graphql/schema.ts';
import { workOf } from '../../src/server/operation-work.ts';

const schema = createSchema();
const LIMITS = { defaultMaxTokens: 64, maxTokens: 1024 };

function work(document: string, variables?: Record<string, unknown>): number {
  return workOf(schema, parse(document), undefined, variables, LIMITS);
}

const PREDICT = 'mutation($input: PredictInput!) { predict(input: $input) { model } }';
const tensor = (name: string, shape: unknown) => ({ name, shape, data: [] });

describe('workOf', () => {
  it('should count the rows of a predict: the largest first dim of its inputs', () => {
    expect(work(PREDICT, { input: { model: 'm', inputs: [tensor('x', [7, 256])] } })).toBe(7);
    expect(work(PREDICT, { input: { model: 'm', inputs: [tensor('state', [2, 1, 128]), tensor('x', [5, 512])] } })).toBe(5);
  });

  it('should count a predict with no readable shape as one row; the predictor refuses it later', () => {
    expect(work(PREDICT, { input: { model: 'm', inputs: [tensor('x', [-3, 2])] } })).toBe(1);
    expect(work(PREDICT, { input: { model: 'm', inputs: [] } })).toBe(1);
  });

  it('should count each alias, through fragments, and inline arguments as variables', () => {
    const document = `
      mutation { a: predict(input: { model: "m", inputs: [{ name: "x", shape: [3, 4] }] }) { model } ...more }
      fragment more on Mutation { b: predict(input: { model: "m", inputs: [{ name: "x", shape: [2, 4] }] }) { model }
        ... on Mutation { c: predict(input: { model: "m", inputs: [{ name: "x", shape: [1, 4] }] }) { model } } }`;
    expect(work(document)).toBe(6);
  });

  it("should count a generate's maxTokens, the default when absent, capped at the largest a request may ask", () => {
    const generate = 'subscription($input: GenerateInput!) { generate(input: $input) { text } }';
    expect(work(generate, { input: { model: 'lm', prompt: 'a', maxTokens: 10 } })).toBe(10);
    expect(work(generate, { input: { model: 'lm', prompt: 'a' } })).toBe(64);
    expect(work(generate, { input: { model: 'lm', prompt: 'a', maxTokens: 1_000_000 } })).toBe(1024);
  });

  it('should count the frames of a predictStream, along its axis, the last one filled up', () => {
    const stream = 'subscription($input: PredictStreamInput!) { predictStream(input: $input) { index } }';
    const input = { model: 'vad', inputs: [tensor('input', [1, 1600]), tensor('sr', [1])], frame: { input: 'input', size: 512 } };
    expect(work(stream, { input })).toBe(4);
    expect(work(stream, { input: { ...input, frame: { input: 'input', size: 1, axis: 0 } } })).toBe(1);
  });

  it('should count no work for operations that run no model', () => {
    expect(work('{ models { name } }')).toBe(0);
    expect(work('mutation { unloadModel(model: "m") { name } }')).toBe(0);
  });
});
