import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

describe('loadConfig', () => {
  it('should take flags over environment variables over defaults', () => {
    const config = loadConfig(['--port', '5000', '--models', '/srv/models'], { PORT: '6000', MAX_BATCH_SIZE: '16', WORKERS: '3' });
    expect(config).toMatchObject({ port: 5000, modelRepository: '/srv/models', workers: 3, batching: { maxBatchSize: 16 } });
    expect(loadConfig([], {})).toMatchObject({ port: 4000, batching: { maxQueueDelayMs: 2, intraOpNumThreads: 1 } });
  });

  it('should refuse a bad value with a message naming the setting', () => {
    expect(() => loadConfig(['--port', 'eighty'], {})).toThrow(/port/);
    expect(() => loadConfig([], { MAX_BATCH_SIZE: '0' })).toThrow(/maxBatchSize/);
    expect(() => loadConfig(['--no-such-flag', '1'], {})).toThrow(/no-such-flag/);
  });
});
