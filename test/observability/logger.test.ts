import { describe, expect, it } from 'vitest';
import { createCapturingLogger } from '../fixtures/logger.ts';

describe('the logger', () => {
  it('should write pino JSON lines: time, numeric level and msg beside the fields', () => {
    const logger = createCapturingLogger();
    logger.info({ model: 'glyphs' }, 'model state');
    expect(logger.records()).toEqual([
      expect.objectContaining({ level: 30, time: expect.any(Number), msg: 'model state', model: 'glyphs' }),
    ]);
  });

  it('should write no credential a line carries at its top, in headers, a request’s headers or the auth config', () => {
    const logger = createCapturingLogger();
    logger.warn(
      {
        authorization: 'Bearer top-level-secret',
        headers: { authorization: 'Bearer header-secret', cookie: 'session=cookie-secret', 'x-api-key': 'key-secret' },
        request: { headers: { authorization: 'Bearer nested-secret' } },
        config: { auth: { jwtSecret: 'jwt-secret-value', token: 'token-secret' } },
      },
      'a line that should never have carried these',
    );
    const [line] = logger.lines;
    for (const secret of [
      'top-level',
      'header-secret',
      'cookie-secret',
      'key-secret',
      'nested-secret',
      'jwt-secret-value',
      'token-secret',
    ]) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain('[redacted]');
  });

  it('should write an error with its stack and its cause chain', () => {
    const logger = createCapturingLogger();
    logger.error({ err: new Error('run failed', { cause: new Error('onnxruntime: out of memory') }) }, 'internal error');
    const err = logger.records()[0]?.err as { message: string; stack: string };
    expect(err.message).toBe('run failed: onnxruntime: out of memory');
    expect(err.stack).toMatch(/^Error: run failed\n\s+at /);
    expect(err.stack).toContain('caused by: Error: onnxruntime: out of memory');
  });

  it('should write nothing below its level', () => {
    const logger = createCapturingLogger('warn');
    logger.info('not written');
    logger.warn('written');
    expect(logger.records().map((record) => record.msg)).toEqual(['written']);
  });
});
