/** Every setting of the server, declared once: the `Config` type, the loader, `--help` and the README table derive from it. */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { isObjectStoreUrl } from '../repository/object-store-location.ts';
import { type Settings, setting } from './setting.ts';
import { formatBytes, formatMs, MiB } from './units.ts';

/*
 * To add a setting, add one entry. The loader, `--help` and the `Config` type follow by themselves; the README
 * test then fails and prints the new table to paste. Keys are camelCase, flags kebab-case, variables UPPER_SNAKE,
 * and the key and flag of a byte size or duration name its unit (`maxTensorBytes`, `--watch-debounce-ms`).
 *
 *   tlsCert: setting({
 *     flag: '--tls-cert PATH',
 *     env: 'TLS_CERT',
 *     description: 'TLS certificate chain, a PEM file',
 *     schema: z.string().min(1),
 *   }),
 *
 * - With no `default` a setting is optional: `string | undefined` in the config, "not set" in `--help`.
 * - `secret: true` for keys and passwords: the value is never printed, in an error or in `--help`.
 * - A list is one comma-separated text, from a flag or a variable alike:
 *   `schema: z.string().transform((text) => text.split(',')).pipe(z.array(z.url()))`.
 * - `format` says how the default reads (`formatBytes`: '64 MiB'); `defaultText` says what a computed one means.
 * - Settings that belong together nest in a group (`batching: { ... }` is `config.batching.maxBatchSize`). A group
 *   shapes only the config: flags and variables stay flat and are written out in full, so a grep finds them here.
 */

const int = z.coerce.number().int();

/** The JWT algorithms a token may be signed with: HMAC, RSA and ECDSA; never `none`. */
const JWT_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
] as const;

export const settings = {
  /** A folder, or `s3://bucket/prefix`: an S3-compatible store mirrored into `objectStore.cacheDir` and served from there. */
  modelRepository: setting({
    flag: '--model-repository DIR|URL',
    aliases: ['--models'],
    env: 'MODEL_REPOSITORY',
    description: 'the model repository: a folder, or s3://bucket/prefix',
    schema: z
      .string()
      .min(1)
      .transform((value) => (isObjectStoreUrl(value) ? value : resolve(value))),
    // Resolved at load time, like a given path, against the directory the server starts in.
    default: () => resolve('./models'),
    defaultText: './models',
  }),
  port: setting({
    flag: '--port N',
    env: 'PORT',
    description: 'port for HTTP and WebSocket',
    schema: int.min(0).max(65_535),
    default: 4000,
  }),
  /** With tlsKey: HTTPS and WSS on the same port. Both or neither. */
  tlsCert: setting({
    flag: '--tls-cert PATH',
    env: 'TLS_CERT',
    description: 'TLS certificate chain, a PEM file',
    schema: z
      .string()
      .min(1)
      .transform((path) => resolve(path)),
  }),
  tlsKey: setting({
    flag: '--tls-key PATH',
    env: 'TLS_KEY',
    description: 'TLS private key, a PEM file',
    schema: z
      .string()
      .min(1)
      .transform((path) => resolve(path)),
  }),
  host: setting({
    flag: '--host ADDR',
    env: 'HOST',
    description: 'address to listen on',
    schema: z.string().min(1),
    default: '0.0.0.0',
  }),
  workers: setting({
    flag: '--workers N',
    env: 'WORKERS',
    description: 'inference threads shared by all models',
    schema: int.min(1).max(256),
    default: availableParallelism,
    defaultText: 'one per core',
  }),
  /** See src/runtime/thread-priority.ts. */
  workerNice: setting({
    flag: '--worker-nice N',
    env: 'WORKER_NICE',
    description: 'how much lower inference threads run than the event loop (Linux nice steps; 0: the same)',
    schema: int.min(0).max(19),
    default: 10,
  }),
  /** Who may call: API keys from a keys file and JWT bearer tokens, checked on HTTP, SSE and WebSocket alike. */
  auth: {
    /** Off, every caller may do everything: a server anyone else can reach must turn it on. */
    enabled: setting({
      flag: '--auth off|on',
      env: 'AUTH',
      description: 'require a credential (API key or JWT)',
      schema: z.enum(['off', 'on']).transform((value) => value === 'on'),
      default: false,
      format: (on) => (on ? 'on' : 'off'),
    }),
    keysFile: setting({
      flag: '--auth-keys-file PATH',
      env: 'AUTH_KEYS_FILE',
      description: 'API keys file (`infergraph keys create`)',
      schema: z
        .string()
        .min(1)
        .transform((path) => resolve(path)),
    }),
    /** HS256 needs a secret as long as its hash: at least 32 characters. */
    jwtSecret: setting({
      flag: '--jwt-secret SECRET',
      env: 'JWT_SECRET',
      description: 'HMAC secret of HS256 tokens',
      schema: z.string().min(32, 'an HS256 secret must be at least 32 characters'),
      secret: true,
    }),
    jwtPublicKeyFile: setting({
      flag: '--jwt-public-key-file PATH',
      env: 'JWT_PUBLIC_KEY_FILE',
      description: 'PEM public key of RS256 or ES256 tokens',
      schema: z
        .string()
        .min(1)
        .transform((path) => resolve(path)),
    }),
    jwtJwksFile: setting({
      flag: '--jwt-jwks-file PATH',
      env: 'JWT_JWKS_FILE',
      description: 'JWKS file of RS256 or ES256 token keys',
      schema: z
        .string()
        .min(1)
        .transform((path) => resolve(path)),
    }),
    jwtIssuer: setting({
      flag: '--jwt-issuer ISS',
      env: 'JWT_ISSUER',
      description: 'the `iss` tokens must carry',
      schema: z.string().min(1),
    }),
    jwtAudience: setting({
      flag: '--jwt-audience AUD',
      env: 'JWT_AUDIENCE',
      description: 'the `aud` tokens must carry',
      schema: z.string().min(1),
    }),
    jwtScopesClaim: setting({
      flag: '--jwt-scopes-claim NAME',
      env: 'JWT_SCOPES_CLAIM',
      description: 'token claim holding its scopes',
      schema: z.string().min(1),
      default: 'scope',
    }),
    /** Not set: HS256, RS256 and ES256. Each key only ever verifies its own kind: the secret HS, an RSA key RS and PS, an EC key ES. */
    jwtAlgorithms: setting({
      flag: '--jwt-algorithms LIST',
      env: 'JWT_ALGORITHMS',
      description: 'token algorithms; not set: HS256,RS256,ES256',
      schema: z
        .string()
        .transform((text) => text.split(','))
        .pipe(z.array(z.enum(JWT_ALGORITHMS)).min(1)),
    }),
  },
  /** Batching settings every model gets unless its model.json says otherwise. */
  batching: {
    maxBatchSize: setting({
      flag: '--max-batch-size N',
      env: 'MAX_BATCH_SIZE',
      description: 'largest batch, in rows of the batch dim',
      schema: int.min(1).max(65_536),
      default: 32,
    }),
    maxQueueDelayMs: setting({
      flag: '--max-queue-delay-ms MS',
      env: 'MAX_QUEUE_DELAY_MS',
      description: 'wait for a batch to fill when busy, in ms',
      schema: z.coerce.number().min(0).max(10_000),
      default: 2,
      format: formatMs,
    }),
    maxQueueSize: setting({
      flag: '--max-queue-size N',
      env: 'MAX_QUEUE_SIZE',
      description: 'requests queued per version, then OVERLOADED',
      schema: int.min(1),
      default: 1024,
    }),
    /** Capped at `workers`, the size of the pool. */
    instances: setting({
      flag: '--instances N',
      env: 'INSTANCES',
      description: 'workers holding a session of each model',
      schema: int.min(1).max(256),
      default: availableParallelism,
      defaultText: 'one per core',
    }),
    intraOpNumThreads: setting({
      flag: '--intra-op-num-threads N',
      env: 'INTRA_OP_NUM_THREADS',
      description: 'onnxruntime threads per session',
      schema: int.min(1).max(64),
      default: 1,
    }),
  },
  /** In any wire form: `data`, `base64` or a multipart `file`. */
  maxTensorBytes: setting({
    flag: '--max-tensor-bytes BYTES',
    env: 'MAX_TENSOR_BYTES',
    description: 'largest tensor a client may send, in bytes',
    schema: int.min(1),
    default: 64 * MiB,
    format: formatBytes,
  }),
  /** What one request may ask of the server: its shape, its cost, its size (README, "Limits"). Past any, the request is refused before it runs. */
  limits: {
    /** Past it, QUERY_TOO_COMPLEX. Introspection's own nesting is not counted, so GraphiQL's schema query passes. */
    maxDepth: setting({
      flag: '--max-depth N',
      env: 'MAX_DEPTH',
      description: 'deepest selection an operation may nest',
      schema: int.min(1),
      default: 10,
    }),
    maxAliases: setting({
      flag: '--max-aliases N',
      env: 'MAX_ALIASES',
      description: 'aliases in one operation',
      schema: int.min(0),
      default: 30,
    }),
    /** Variables are not tokens: a tensor sent in variables costs none. */
    maxQueryTokens: setting({
      flag: '--max-query-tokens N',
      env: 'MAX_QUERY_TOKENS',
      description: 'tokens in one GraphQL document',
      schema: int.min(1),
      default: 10_000,
    }),
    maxDirectives: setting({
      flag: '--max-directives N',
      env: 'MAX_DIRECTIVES',
      description: 'directives in one operation',
      schema: int.min(0),
      default: 50,
    }),
    /** 1 a field; a predict 100, a frame of predictStream or a token of generate 50, an explain 100 and 1 per evaluation, plus 1 per 1000 input elements run (README, "Limits"). */
    maxCost: setting({
      flag: '--max-cost N',
      env: 'MAX_COST',
      description: 'work one operation may cause, in cost units',
      schema: int.min(1),
      default: 100_000,
    }),
    /** Rows one explain runs: the input and each perturbed copy. Past it, QUERY_TOO_COMPLEX before any runs (README, "Explain"). */
    maxExplainEvaluations: setting({
      flag: '--max-explain-evaluations N',
      env: 'MAX_EXPLAIN_EVALUATIONS',
      description: 'model evaluations one explain may run',
      schema: int.min(1),
      default: 10_000,
    }),
    /** A JSON array of operations in one HTTP request; 0 refuses arrays. */
    maxBatchedOperations: setting({
      flag: '--max-batched-operations N',
      env: 'MAX_BATCHED_OPERATIONS',
      description: 'operations in one HTTP request, 0 for off',
      schema: int.min(0),
      default: 0,
      defaultText: '0 (off)',
    }),
    /** Past it, HTTP 413 PAYLOAD_TOO_LARGE before the body is read. */
    maxRequestBodyBytes: setting({
      flag: '--max-request-body-bytes BYTES',
      env: 'MAX_REQUEST_BODY_BYTES',
      description: 'largest HTTP request body, in bytes',
      schema: int.min(1),
      default: 25_000_000,
    }),
    maxFiles: setting({
      flag: '--max-files N',
      env: 'MAX_FILES',
      description: 'file parts in one multipart request',
      schema: int.min(0),
      default: 64,
    }),
    maxFileBytes: setting({
      flag: '--max-file-bytes BYTES',
      env: 'MAX_FILE_BYTES',
      description: 'largest multipart file part, in bytes',
      schema: int.min(1),
      default: 64 * MiB,
      format: formatBytes,
    }),
    /** Of one tensor, in any wire form; the bytes are bounded by maxTensorBytes. */
    maxTensorElements: setting({
      flag: '--max-tensor-elements N',
      env: 'MAX_TENSOR_ELEMENTS',
      description: 'elements in one input tensor',
      schema: int.min(1),
      default: 64 * MiB,
    }),
    maxInputs: setting({
      flag: '--max-inputs N',
      env: 'MAX_INPUTS',
      description: 'input tensors in one request',
      schema: int.min(1),
      default: 64,
    }),
    /** Read from an image's header before it is decoded, so that a small file that would decode huge is refused unread. */
    maxImagePixels: setting({
      flag: '--max-image-pixels N',
      env: 'MAX_IMAGE_PIXELS',
      description: 'most pixels of an image sent for a model input',
      schema: int.min(1),
      default: 40_000_000,
    }),
    /** Refuses GET and form, multipart and text/plain POSTs without an `x-graphql-yoga-csrf` header: what a foreign page can send. */
    csrf: setting({
      flag: '--csrf true|false',
      env: 'CSRF',
      description: 'refuse browser requests sent without preflight',
      schema: z.stringbool(),
      unsetText: 'off; on with --auth on',
    }),
    /** Any origin when not set, as yoga answers by default. */
    corsOrigins: setting({
      flag: '--cors-origins LIST',
      env: 'CORS_ORIGINS',
      description: 'origins browsers may call from, comma-separated',
      schema: z
        .string()
        .transform((text) => text.split(',').map((origin) => origin.trim()))
        .pipe(z.array(z.url())),
    }),
    introspection: setting({
      flag: '--introspection true|false',
      env: 'INTROSPECTION',
      description: 'answer schema introspection',
      schema: z.stringbool(),
      unsetText: 'on; off with --auth on',
    }),
    /** Only the SDK's persisted documents run, named by their hash (README, "Limits"). */
    trustedDocuments: setting({
      flag: '--trusted-documents true|false',
      env: 'TRUSTED_DOCUMENTS',
      description: "run only the SDK's persisted documents",
      schema: z.stringbool(),
      default: false,
    }),
  },
  graphiql: setting({
    flag: '--graphiql true|false',
    env: 'GRAPHIQL',
    description: 'serve GraphiQL at /graphql',
    schema: z.stringbool(),
    unsetText: 'on; off with --auth on',
  }),
  /** The page built from clients/web (`npm run build:web`); GraphiQL stays at /graphql. */
  webApp: setting({
    flag: '--web-app true|false',
    env: 'WEB_APP',
    description: 'serve the browser app at /',
    schema: z.stringbool(),
    default: true,
  }),
  /** Without it, only the rescanRepository mutation picks up changes. */
  watch: setting({
    flag: '--watch true|false',
    env: 'WATCH',
    description: 'pick up model repository changes',
    schema: z.stringbool(),
    default: false,
  }),
  watchDebounceMs: setting({
    flag: '--watch-debounce-ms MS',
    env: 'WATCH_DEBOUNCE_MS',
    description: 'quiet time before a change loads, in ms',
    schema: int.min(0),
    default: 1000,
    format: formatMs,
  }),
  /** A model repository in an S3-compatible store (`--model-repository s3://bucket/prefix`); credentials come from the AWS chain. */
  objectStore: {
    /** Its buckets are then addressed by path. Unset: AWS S3, or the SDK's AWS_ENDPOINT_URL_S3. */
    endpoint: setting({
      flag: '--s3-endpoint URL',
      env: 'S3_ENDPOINT',
      description: 'endpoint of an S3-compatible store',
      schema: z.url(),
    }),
    cacheDir: setting({
      flag: '--model-cache-dir DIR',
      env: 'MODEL_CACHE_DIR',
      description: 'where models from object storage are cached',
      schema: z
        .string()
        .min(1)
        .transform((path) => resolve(path)),
      unsetText: 'one per bucket and prefix in the OS temp dir',
    }),
    /** Only with --watch true; without it the store is read once, at start. */
    pollIntervalMs: setting({
      flag: '--s3-poll-interval-ms MS',
      env: 'S3_POLL_INTERVAL_MS',
      description: 'how often object storage is asked for changes, in ms',
      schema: int.min(100),
      default: 10_000,
      format: formatMs,
    }),
  },
  lazyLoad: setting({
    flag: '--lazy-load true|false',
    env: 'LAZY_LOAD',
    description: 'load versions on first request',
    schema: z.stringbool(),
    default: false,
  }),
  /** Estimated as model file size × instances; past it the least recently used idle versions are unloaded. */
  memoryBudget: setting({
    flag: '--memory-budget BYTES',
    env: 'MEMORY_BUDGET',
    description: 'bytes loaded versions may take together',
    schema: int.min(0),
    default: 0,
    defaultText: '0 (no limit)',
  }),
  /** Text generation limits every decoder model gets unless its model.json says otherwise. */
  generation: {
    /** Past it, a new stream gets OVERLOADED. */
    maxStreams: setting({
      flag: '--max-streams N',
      env: 'MAX_STREAMS',
      description: 'generation streams per version at once',
      schema: int.min(1),
      default: 64,
    }),
    maxTokens: setting({
      flag: '--max-tokens N',
      env: 'MAX_TOKENS',
      description: 'largest maxTokens a request may ask',
      schema: int.min(1),
      default: 1024,
    }),
    maxBufferedEvents: setting({
      flag: '--max-buffered-events N',
      env: 'MAX_BUFFERED_EVENTS',
      description: 'events held per stream for a slow reader',
      schema: int.min(1),
      default: 64,
    }),
  },
  /** Token buckets per caller: per principal, or per client address while the caller is anonymous. */
  rateLimits: {
    requestsPerSecond: setting({
      flag: '--rate-limit-requests-per-second N',
      env: 'RATE_LIMIT_REQUESTS_PER_SECOND',
      description: 'operations a caller may run per second',
      schema: z.coerce.number().min(0),
      default: 0,
      defaultText: '0 (no limit)',
    }),
    requestBurst: setting({
      flag: '--rate-limit-request-burst N',
      env: 'RATE_LIMIT_REQUEST_BURST',
      description: 'operations a caller may run at once',
      schema: int.min(0),
      default: 0,
      defaultText: "0 (one second's worth)",
    }),
    /** Work is rows for predict, evaluations for explain, maxTokens for generate, frames for predictStream. */
    workPerSecond: setting({
      flag: '--rate-limit-work-per-second N',
      env: 'RATE_LIMIT_WORK_PER_SECOND',
      description: 'rows, tokens and frames a caller may ask per second',
      schema: z.coerce.number().min(0),
      default: 0,
      defaultText: '0 (no limit)',
    }),
    workBurst: setting({
      flag: '--rate-limit-work-burst N',
      env: 'RATE_LIMIT_WORK_BURST',
      description: 'rows, tokens and frames a caller may ask at once',
      schema: int.min(0),
      default: 0,
      defaultText: "0 (one second's worth)",
    }),
  },
  /** Limits of graphql-ws sockets. */
  websocket: {
    /** Per principal, or per client address while the caller is anonymous; past it the socket closes with 4429. */
    maxConnections: setting({
      flag: '--ws-max-connections N',
      env: 'WS_MAX_CONNECTIONS',
      description: 'open sockets per caller',
      schema: int.min(0),
      default: 0,
      defaultText: '0 (no limit)',
    }),
    /** Queries and mutations sent over the socket count while they run, as graphql-ws counts them. */
    maxSubscriptions: setting({
      flag: '--ws-max-subscriptions N',
      env: 'WS_MAX_SUBSCRIPTIONS',
      description: 'operations in flight per socket',
      schema: int.min(0),
      default: 1024,
    }),
    connectionInitTimeoutMs: setting({
      flag: '--ws-connection-init-timeout-ms MS',
      env: 'WS_CONNECTION_INIT_TIMEOUT_MS',
      description: 'wait for connection_init, then close (4408), in ms',
      schema: int.min(1),
      default: 3000,
      format: formatMs,
    }),
    maxMessageBytes: setting({
      flag: '--ws-max-message-bytes BYTES',
      env: 'WS_MAX_MESSAGE_BYTES',
      description: 'largest WebSocket message, then close (1009)',
      schema: int.min(1),
      default: 100 * MiB,
      format: formatBytes,
    }),
  },
  /** Prometheus metrics: `GET /metrics`. */
  metrics: {
    enabled: setting({
      flag: '--metrics true|false',
      env: 'METRICS',
      description: 'serve Prometheus metrics at /metrics',
      schema: z.stringbool(),
      default: true,
    }),
    /** When set, /metrics is served there only, plain HTTP and open (for a scraper on a private network); else on the GraphQL port, needing the admin scope when auth is on. */
    port: setting({
      flag: '--metrics-port N',
      env: 'METRICS_PORT',
      description: 'serve /metrics on this port only, without auth',
      schema: int.min(0).max(65_535),
    }),
  },
  /** The health probes on a port of their own, answered by a thread that load on the main thread cannot delay (health-port.ts). */
  health: {
    /** When set, /health/live and /health/ready are also served there, plain HTTP and open, for Kubernetes probes and load balancers. */
    port: setting({
      flag: '--health-port N',
      env: 'HEALTH_PORT',
      description: 'also serve /health/* here, from their own thread',
      schema: int.min(0).max(65_535),
    }),
    /**
     * Past it the health port's /health/live answers 503: the main event loop has not run for that long. Healthy
     * stalls (GC, a batch of answers, a large JSON body) last milliseconds, a few hundred at worst; ten seconds
     * means the loop is stuck, and restarting the process is the cure. Lower, a slow moment would restart a
     * healthy server.
     */
    maxEventLoopStallMs: setting({
      flag: '--health-max-stall-ms MS',
      env: 'HEALTH_MAX_STALL_MS',
      description: 'health port: not live past this loop stall, in ms',
      schema: int.min(1),
      default: 10_000,
      format: formatMs,
    }),
  },
  /** OpenTelemetry traces, off unless a collector is named: the variables are OpenTelemetry's own. */
  tracing: {
    /** The collector's base URL, as OTEL_EXPORTER_OTLP_ENDPOINT means it: spans go to its /v1/traces. */
    otlpEndpoint: setting({
      flag: '--otlp-endpoint URL',
      env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
      description: 'OTLP/HTTP collector base URL; turns traces on',
      schema: z.url(),
      // A collector URL may carry credentials.
      secret: true,
      unsetText: 'not set (traces off)',
    }),
    otlpTracesEndpoint: setting({
      flag: '--otlp-traces-endpoint URL',
      env: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
      description: 'URL spans are POSTed to; wins over --otlp-endpoint',
      schema: z.url(),
      secret: true,
    }),
    serviceName: setting({
      flag: '--otel-service-name NAME',
      env: 'OTEL_SERVICE_NAME',
      description: 'service.name of the spans',
      schema: z.string().min(1),
      default: 'infergraph',
    }),
    /** For new traces only: one a client's traceparent started keeps the client's decision. */
    sampleRatio: setting({
      flag: '--trace-sample-ratio R',
      env: 'OTEL_TRACES_SAMPLER_ARG',
      description: 'share of new traces sampled, 0 to 1',
      schema: z.coerce.number().min(0).max(1),
      default: 1,
    }),
  },
  /** The log: pino's JSON lines on stderr, and which operations get a line (README, "Logs"). */
  logging: {
    level: setting({
      flag: '--log-level LEVEL',
      env: 'LOG_LEVEL',
      description: 'log from: debug, info, warn, error; or silent',
      schema: z.enum(['debug', 'info', 'warn', 'error', 'silent']),
      default: 'info',
    }),
    format: setting({
      flag: '--log-format json|pretty',
      env: 'LOG_FORMAT',
      description: 'JSON lines, or pino-pretty for a console',
      schema: z.enum(['json', 'pretty']),
      default: 'json',
    }),
    /** Failed operations are logged under every choice but `none`; a rate logs that share of the successful ones, at random. */
    requests: setting({
      flag: '--log-requests WHICH',
      env: 'LOG_REQUESTS',
      description: 'operation lines: all, errors, none, or 0-1',
      schema: z.union([
        z.enum(['all', 'errors', 'none']).transform((choice) => ({ all: 1, errors: 0, none: null })[choice]),
        z.coerce.number().min(0).max(1),
      ]),
      default: 1,
      format: (rate) => (rate === null ? 'none' : rate === 1 ? 'all' : rate === 0 ? 'errors' : String(rate)),
    }),
    /** Failed operations are logged however quick. */
    minDurationMs: setting({
      flag: '--log-min-duration-ms MS',
      env: 'LOG_MIN_DURATION_MS',
      description: 'log a success only past this duration, in ms',
      schema: z.coerce.number().min(0),
      default: 0,
      format: formatMs,
    }),
  },
  /** Several replicas: the Redis they share events and rate limits through (README, "Several replicas"). Unset, one process on its own. */
  redis: {
    url: setting({
      flag: '--redis-url URL',
      env: 'REDIS_URL',
      description: 'Redis shared by replicas: events, admin changes, rate limits',
      schema: z.url().refine((url) => /^rediss?:\/\//.test(url), 'a Redis URL starts with redis:// or rediss://'),
      // A Redis URL may carry a password.
      secret: true,
      unsetText: 'not set (one process, no Redis)',
    }),
    /** Pub/sub channels ignore Redis's database number: two deployments on one Redis tell their channels and keys apart by this. */
    keyPrefix: setting({
      flag: '--redis-key-prefix TEXT',
      env: 'REDIS_KEY_PREFIX',
      description: 'prefix of Redis channels and keys of this deployment',
      schema: z.string().min(1),
      default: 'infergraph:',
    }),
  },
  /** How the server stops. */
  shutdown: {
    /** From SIGTERM: past it, what is left is cut off and the process exits 1. */
    drainTimeoutMs: setting({
      flag: '--drain-timeout-ms MS',
      env: 'DRAIN_TIMEOUT_MS',
      description: 'drain window after SIGTERM, then exit 1, in ms',
      schema: int.min(1),
      default: 30_000,
      format: formatMs,
    }),
  },
} satisfies Settings;
