import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { InferError } from '../../src/errors.ts';
import { createMaskError } from '../../src/server/mask-error.ts';
import { createCapturingLogger } from '../fixtures/logger.ts';

describe('createMaskError', () => {
  it("should answer a fault of the server's own as INTERNAL with no message, cause or stack, and log it with its request id", () => {
    const logger = createCapturingLogger();
    const fault = new Error('worker state corrupt at /srv/app/x.ts', { cause: new Error('tensor arena freed twice') });
    const masked = createMaskError(logger, () => 'req-42')(
      new GraphQLError('boom', { originalError: fault }),
      'Unexpected error.',
    ) as GraphQLError;
    expect(masked.message).toBe('internal server error');
    expect(masked.extensions).toEqual({ code: 'INTERNAL', http: { status: 500 } });
    const [line] = logger.records();
    expect(line).toMatchObject({ level: 50, msg: 'internal error', requestId: 'req-42' });
    const { stack } = line!.err as { stack: string };
    expect(stack).toContain('worker state corrupt');
    expect(stack).toContain('caused by: Error: tensor arena freed twice');
    expect(stack).toMatch(/\n\s+at /);
  });

  it('should answer INFERENCE_REJECTED with its message and HTTP 400, logging nothing', () => {
    const logger = createCapturingLogger();
    const error = new InferError('INFERENCE_REJECTED', 'model "m" v1: onnxruntime refused the inputs: bad');
    const masked = createMaskError(logger)(new GraphQLError('x', { originalError: error }), '') as GraphQLError;
    expect(masked.message).toBe(error.message);
    expect(masked.extensions).toEqual({ code: 'INFERENCE_REJECTED', http: { status: 400 } });
    expect(logger.lines).toEqual([]);
  });
});
