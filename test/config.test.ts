import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readmeTableUnder } from '../scripts/readme-table.ts';
import { readSettings } from '../src/config/load-config.ts';
import { setting, settingsOf } from '../src/config/setting.ts';
import { settings } from '../src/config/settings.ts';
import { readmeTableOf, usageOf } from '../src/config/usage.ts';
import { defineConfig, loadConfig, USAGE } from '../src/config.ts';

describe('loadConfig', () => {
  it('should take flags over environment variables over defaults', () => {
    const config = loadConfig(['--port', '5000', '--models', '/srv/models'], { PORT: '6000', MAX_BATCH_SIZE: '16', WORKERS: '3' });
    expect(config).toMatchObject({ port: 5000, modelRepository: '/srv/models', workers: 3, batching: { maxBatchSize: 16 } });
    expect(loadConfig([], {})).toMatchObject({ port: 4000, batching: { maxQueueDelayMs: 2, intraOpNumThreads: 1 } });
  });

  it('should keep an s3:// repository as a URL and resolve a folder, with the object store settings beside it', () => {
    const config = loadConfig(['--models', 's3://team-models/prod', '--s3-endpoint', 'http://127.0.0.1:9000'], {
      MODEL_CACHE_DIR: 'cache',
      S3_POLL_INTERVAL_MS: '2000',
    });
    expect(config).toMatchObject({
      modelRepository: 's3://team-models/prod',
      objectStore: { endpoint: 'http://127.0.0.1:9000', cacheDir: resolve('cache'), pollIntervalMs: 2000 },
    });
    expect(loadConfig(['--models', 'models'], {}).modelRepository).toBe(resolve('models'));
    expect(loadConfig([], {}).objectStore).toEqual({ endpoint: undefined, cacheDir: undefined, pollIntervalMs: 10_000 });
    expect(() => loadConfig(['--s3-endpoint', 'not a url'], {})).toThrow(/endpoint/);
  });

  it('should refuse a bad value with a message naming the setting', () => {
    expect(() => loadConfig(['--port', 'eighty'], {})).toThrow(/port/);
    expect(() => loadConfig([], { MAX_BATCH_SIZE: '0' })).toThrow(/maxBatchSize/);
    expect(() => loadConfig(['--no-such-flag', '1'], {})).toThrow(/no-such-flag/);
  });

  it('should name the flag, the variable and where each bad value came from, all at once', () => {
    expect(() => loadConfig(['--port', 'eighty'], { MAX_BATCH_SIZE: '0', PORT: '80' })).toThrow(
      'invalid configuration:\n' +
        '  port (--port N, PORT) is "eighty" from --port: Invalid input: expected number, received NaN\n' +
        '  batching.maxBatchSize (--max-batch-size N, MAX_BATCH_SIZE) is "0" from MAX_BATCH_SIZE: Too small: expected number to be >=1',
    );
  });

  it('should take --models as --model-repository, the last one given winning, and resolve it', () => {
    expect(loadConfig(['--model-repository', '/a', '--models', '/b'], {}).modelRepository).toBe('/b');
    expect(loadConfig(['--models', '/a', '--model-repository', '/b'], {}).modelRepository).toBe('/b');
    expect(loadConfig([], { MODEL_REPOSITORY: 'zoo' }).modelRepository).toBe(resolve('zoo'));
    expect(loadConfig([], {}).modelRepository).toBe(resolve('models'));
  });

  it('should read booleans written true or false', () => {
    expect(loadConfig(['--graphiql', 'false', '--watch=true'], { LAZY_LOAD: 'true' })).toMatchObject({
      graphiql: false,
      watch: true,
      lazyLoad: true,
    });
  });

  it('should read --log-requests as the share of successes logged: all 1, errors 0, none null, or a number', () => {
    const shareOf = (text: string) => loadConfig(['--log-requests', text], {}).logging.requests;
    expect([shareOf('all'), shareOf('errors'), shareOf('none'), shareOf('0.25')]).toEqual([1, 0, null, 0.25]);
    expect(() => shareOf('sometimes')).toThrow(/logging\.requests/);
    expect(() => shareOf('1.5')).toThrow(/logging\.requests/);
    expect(loadConfig([], { LOG_LEVEL: 'warn', LOG_FORMAT: 'pretty' }).logging).toMatchObject({
      level: 'warn',
      format: 'pretty',
      requests: 1,
    });
  });

  it('should give one worker and one instance per core by default', () => {
    const config = loadConfig([], {});
    expect(config.workers).toBe(availableParallelism());
    expect(config.batching.instances).toBe(availableParallelism());
  });
});

describe('defineConfig', () => {
  it('should merge overrides over the defaults, a group setting by setting', () => {
    const config = defineConfig({ port: 0, batching: { maxBatchSize: 4 }, generation: { maxTokens: 8 } });
    expect(config).toEqual({
      ...loadConfig([], {}),
      port: 0,
      batching: { ...loadConfig([], {}).batching, maxBatchSize: 4 },
      generation: { maxStreams: 64, maxTokens: 8, maxBufferedEvents: 64 },
    });
  });
});

describe('the table of settings', () => {
  it('should give every setting flags and a variable of its own', () => {
    const all = [...settingsOf(settings)];
    const flags = all.flatMap(({ setting }) => setting.flags);
    const variables = all.map(({ setting }) => setting.env);
    expect(new Set(flags).size).toBe(flags.length);
    expect(new Set(variables).size).toBe(variables.length);
  });

  // The kinds of setting the table is ready for, though none of the server's is one yet.
  const future = {
    tls: {
      cert: setting({ flag: '--tls-cert PATH', env: 'TLS_CERT', description: 'TLS certificate chain', schema: z.string().min(1) }),
    },
    apiKey: setting({
      flag: '--api-key KEY',
      env: 'API_KEY',
      description: 'the admin key',
      schema: z.string().refine((key) => key.length >= 32, { error: (issue) => `${String(issue.input)} is too short` }),
      secret: true,
    }),
    corsOrigins: setting({
      flag: '--cors-origins URLS',
      env: 'CORS_ORIGINS',
      description: 'origins browsers may call from',
      schema: z
        .string()
        .transform((text) => text.split(','))
        .pipe(z.array(z.url())),
      default: [],
      format: (origins) => origins.join(', ') || 'none',
    }),
  };

  it('should leave an optional setting undefined and read a list from a flag or a variable', () => {
    expect(readSettings(future, [], {})).toEqual({ tls: { cert: undefined }, apiKey: undefined, corsOrigins: [] });
    expect(readSettings(future, ['--tls-cert', 'cert.pem', '--cors-origins', 'https://a.dev,https://b.dev'], {})).toMatchObject({
      tls: { cert: 'cert.pem' },
      corsOrigins: ['https://a.dev', 'https://b.dev'],
    });
    expect(readSettings(future, [], { CORS_ORIGINS: 'https://a.dev' }).corsOrigins).toEqual(['https://a.dev']);
  });

  it('should never print a secret', () => {
    expect(() => readSettings(future, [], { API_KEY: 'hunter2' })).toThrow(
      'apiKey (--api-key KEY, API_KEY) is a hidden value from API_KEY: (hidden) is too short',
    );
    expect(() => readSettings(future, [], { API_KEY: 'hunter2' })).not.toThrow(/hunter2/);
    expect(usageOf(future)).toMatch(/--api-key KEY +the admin key +API_KEY +not set\n/);
    expect(usageOf(future)).toMatch(/--tls-cert PATH +TLS certificate chain +TLS_CERT +not set\n/);
    expect(usageOf(future)).toMatch(/--cors-origins URLS +origins browsers may call from +CORS_ORIGINS +none\n/);
  });
});

describe('usage', () => {
  it('should list every setting: flag, what it is, variable and default, in aligned columns', () => {
    const lines = USAGE.split('\n');
    for (const { setting } of settingsOf(settings)) {
      const line = lines.find((candidate) => new RegExp(`^  --${setting.flags[0]}[ ,]`).test(candidate));
      expect(line, setting.flags[0]).toBeDefined();
      const columns = [`${setting.placeholder} `, `${setting.description} `, `${setting.env} `].map((cell) => line!.indexOf(cell));
      expect(columns.every((column) => column > 0)).toBe(true);
      expect(line!.endsWith(` ${setting.defaultText}`)).toBe(true);
      expect(line!.indexOf(` ${setting.env} `)).toBe(lines[4]!.indexOf(' variable '));
    }
    expect(USAGE).toContain('--model-repository, --models DIR');
    expect(USAGE).toMatch(/--workers N +inference threads shared by all models +WORKERS +one per core\n/);
    expect(USAGE).toMatch(/--max-tensor-bytes BYTES .* 64 MiB\n/);
  });

  it('should be what the README shows under "## Configuration"', async () => {
    const table = await readmeTableUnder('## Configuration');
    // When this fails, paste the expected table (the one in src/config/settings.ts) into the README: `npm run config-table` does it.
    expect(table).toBe(readmeTableOf(settings));
  });
});
