/** The app: the serving core wired to yoga and graphql-ws on one HTTP or HTTPS server, and its shutdown order. */
import { randomBytes } from 'node:crypto';
import { createServer, type Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { createYoga } from 'graphql-yoga';
import type { WebSocket } from 'ws';
import { createAuthenticator } from '../auth/authenticator.ts';
import type { Principal } from '../auth/principal.ts';
import { createPredictor, type Predictor } from '../batching/predictor.ts';
import type { Config } from '../config.ts';
import { createExplainer } from '../explain/explainer.ts';
import { type GraphQLContext, SERVER_EVENT_SCHEMAS, type ServerEvents } from '../graphql/context.ts';
import { createSchema } from '../graphql/schema.ts';
import { isBusy, readHealth } from '../health/read-health.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { createMetrics, type Metrics, type VersionFigures } from '../observability/metrics.ts';
import { createRedisMetrics } from '../observability/redis-metrics.ts';
import { createTracing, type Tracing } from '../observability/tracing.ts';
import { createPipelineRunner } from '../pipelines/pipeline-runner.ts';
import { createModelRegistry, type ModelRegistry } from '../registry/model-registry.ts';
import { MODEL_STATES, type ModelVersion } from '../registry/model-version.ts';
import { createWorkerPool, type WorkerPool } from '../runtime/worker-pool.ts';
import { createEventBus } from '../streaming/event-bus.ts';
import { createGenerator, DEFAULT_MAX_TOKENS, type Generator } from '../streaming/generation/generator.ts';
import { createRedisLink } from '../streaming/redis-link.ts';
import { eventChannel } from '../streaming/replicated-event-target.ts';
import { useAuthChallenge } from './auth-challenge.ts';
import { clientSignalOf } from './client-signal.ts';
import { useCredentialExpiry } from './credential-expiry.ts';
import { principalOfRequest } from './credentials.ts';
import { answerCutOff, refuseWhileDraining } from './drain-answers.ts';
import { followAdminChanges } from './follow-admin-changes.ts';
import { attachGraphQLWs } from './graphql-ws.ts';
import { answerHealthProbe, LIVE_PATH, readyAnswer } from './health-endpoints.ts';
import { createHealthPort, type HealthPort } from './health-port.ts';
import { createHeldRequests } from './held-requests.ts';
import { useMalformedBodyAsClientError } from './malformed-body.ts';
import { createMaskError } from './mask-error.ts';
import { answerMetrics, useOperationMetrics } from './metrics-endpoint.ts';
import { useMultipartLimits } from './multipart-limits.ts';
import { generateRoutes } from './open-inference/generate.ts';
import { INFERGRAPH_VERSION } from './open-inference/metadata.ts';
import { createOpenInference } from './open-inference/open-inference.ts';
import { repositoryRoutes } from './open-inference/repository.ts';
import { statisticsRoutes } from './open-inference/statistics.ts';
import { operationLimitPlugins } from './operation-limits.ts';
import { createOperationLine, useOperationLog } from './operation-log.ts';
import { useOperationTraces } from './operation-traces.ts';
import { createRateLimiter, useRateLimit } from './rate-limit.ts';
import { createRedisTokenBuckets } from './redis-token-buckets.ts';
import { createReplicaRoster } from './replica-roster.ts';
import { openRepositorySource } from './repository-source.ts';
import { useRequestBodyLimit } from './request-body-limit.ts';
import { createRequestScope, REQUEST_ID_HEADER, requestIdOf, useRequestIdInErrors } from './request-id.ts';
import { useShutdownCutoff } from './shutdown-cutoff.ts';
import { readTlsFiles } from './tls.ts';
import { loadTrustedDocuments, trustedDocumentsPlugins } from './trusted-documents.ts';
import { createWebApp } from './web-app.ts';

const GRAPHQL_PATH = '/graphql';

/** What GraphiQL opens with: the catalog, the first thing a new user wants to see. */
const GRAPHIQL_QUERY = `# The models this server serves. Try predict next: see the README.
{
  models {
    name
    description
    versions { version state inputs { name dataType shape } outputs { name dataType shape } }
  }
}
`;

/** What a request brings from its transport: Node's request and response over HTTP; the upgrade request, socket and principal over graphql-ws. */
interface ServerContext {
  req?: IncomingMessage;
  res?: ServerResponse;
  socket?: WebSocket;
  principal?: Principal;
  /** Chosen by the request handler (HTTP) or per operation (graphql-ws); see request-id.ts. */
  requestId?: string;
}

export interface AppOptions {
  logger?: Logger;
  /** For weighted aliases and the sample of logged operations; tests pass a seeded one. @default Math.random */
  random?: () => number;
  /** The clock of the rate limits, in ms; tests pass one they move. @default Date.now */
  now?: () => number;
  /** Where spans go instead of the OTLP collector of the config (tests pass an InMemorySpanExporter); turns tracing on. */
  traceExporter?: SpanExporter;
  /** The built browser app served at / (with `webApp` on). @default clients/web/dist */
  webAppRoot?: string;
  /** This replica's name in model events and admin changes. @default the host name and a random suffix */
  replica?: string;
}

export interface App extends AsyncDisposable {
  readonly registry: ModelRegistry;
  readonly pool: WorkerPool;
  readonly predictor: Predictor;
  readonly yoga: ReturnType<typeof createYoga<ServerContext, GraphQLContext>>;
  /** HTTPS when the config names a TLS certificate and key, else plain HTTP. */
  readonly server: HttpServer | HttpsServer;
  /** The Prometheus metrics /metrics serves; null with `--metrics false`. */
  readonly metrics: Metrics | null;
  /** The app's traces; null while tracing is off (no collector named, no exporter given). */
  readonly tracing: Tracing | null;
  /** The plain HTTP server of `--metrics-port`, listening once `listen()` resolved; null without it. */
  readonly metricsServer: HttpServer | null;
  /** The health probes' own port (`--health-port`), served by its own thread; its address is set once `listen()` resolved. Null without it. */
  readonly healthServer: Pick<HealthPort, 'address'> | null;
  /** Listens on the config's port and host (port 0 picks a free one); resolves with the GraphQL URL, https:// under TLS. */
  listen(): Promise<string>;
  /** Shuts down in order: not ready → stop accepting → close sockets (1001) → drain queues → release sessions. */
  dispose(): Promise<void>;
  /**
   * Past the drain window: what `dispose()` still waits for is answered MODEL_NOT_READY ("the server
   * shut down before this request finished; retry") on every transport, then every WebSocket closes
   * with 1001. Resolves once those answers are sent; the caller then exits.
   */
  cutOff(): Promise<void>;
}

/**
 * The whole server, not yet listening: the worker pool, the registry loading the repository in
 * the background (the server answers, not ready, meanwhile), the batching core, and yoga with
 * graphql-ws on one HTTP server (HTTPS and WSS when the config names a certificate and key).
 * Throws before starting anything when the TLS files are missing, unreadable or mismatched.
 */
export function createApp(
  config: Config,
  {
    logger = createLogger(),
    random,
    now,
    traceExporter,
    webAppRoot,
    replica = `${hostname()}-${randomBytes(3).toString('hex')}`,
  }: AppOptions = {},
): App {
  // First: a server whose TLS files or credentials cannot work stops here, before it starts threads.
  const tls = readTlsFiles(config);
  const authenticator = createAuthenticator(config.auth);
  const { url: redisUrl, keyPrefix } = config.redis;
  const redisLink = redisUrl
    ? createRedisLink({
        url: redisUrl,
        channels: Object.keys(SERVER_EVENT_SCHEMAS).map((topic) => eventChannel(keyPrefix, topic)),
        logger,
        onChange: (connected) => {
          // The health port's /health/ready says DEGRADED (or CONNECTED again) at once.
          healthPort?.publish();
          if (connected) roster?.announce();
        },
      })
    : null;
  const pool = createWorkerPool({ size: config.workers, nice: config.workerNice });
  // Its sources are read at scrape time only, once everything below exists.
  const metrics = config.metrics.enabled
    ? createMetrics({
        states: MODEL_STATES,
        versions: () => registry.list().flatMap((model) => model.versions.map((version) => figuresOf(version, predictor, generator))),
        webSocketConnections: () => ws.sockets.clients.size,
        workers: () => pool.stats(),
      })
    : null;
  const redisMetrics = metrics && redisLink ? createRedisMetrics(metrics.registry, { connected: () => redisLink.connected }) : null;
  const tracing = createTracing({
    ...config.tracing,
    exporter: traceExporter,
    onExportFailure: (error, failures) => logger.warn({ failures, err: error }, 'cannot export traces'),
  });
  const runListeners = [metrics?.recordRun, tracing?.recordRun].filter((listener) => listener !== undefined);
  const tensorLimits = {
    maxTensorBytes: config.maxTensorBytes,
    maxTensorElements: config.limits.maxTensorElements,
    maxInputs: config.limits.maxInputs,
    maxImagePixels: config.limits.maxImagePixels,
  };
  const predictor = createPredictor({
    pool,
    limits: tensorLimits,
    ...(runListeners.length > 0
      ? {
          onRun: (version, run) => {
            for (const listener of runListeners) listener(version, run);
          },
        }
      : {}),
  });
  const explainer = createExplainer({ predictor, limits: tensorLimits, maxEvaluations: config.limits.maxExplainEvaluations });
  const generator = createGenerator({
    pool,
    limits: config.generation,
    ...(metrics ? { onTiming: metrics.recordTokenTiming, onFinish: metrics.recordGenerationFinish } : {}),
    ...(tracing ? { onStreamEnd: tracing.recordStream } : {}),
  });
  const source = openRepositorySource(config, logger);
  const registry = createModelRegistry({
    root: source.root,
    updateFolder: source.update,
    pool,
    defaults: config.batching,
    drain: async (key) => {
      await Promise.all([predictor.release(key), generator.release(key)]);
    },
    isBusy: (key) => isBusy(key, { predictor, generator }),
    lazy: config.lazyLoad,
    memoryBudget: config.memoryBudget,
    ...(random ? { random } : {}),
  });
  const bus = createEventBus<ServerEvents>({
    onOverflow: (topic) => logger.warn({ topic }, 'ended a subscription whose reader left 1000 events unread'),
    ...(redisLink
      ? {
          redis: {
            link: redisLink,
            prefix: keyPrefix,
            origin: replica,
            schemas: SERVER_EVENT_SCHEMAS,
            onProblem: ({ topic, kind, error }) => {
              redisMetrics?.recordDroppedEvent(kind);
              // An event Redis did not take is the loss the link logs once; a bad one from Redis is news each time.
              if (kind === 'invalid') logger.warn({ topic, err: error }, 'dropped an event from Redis that is not valid');
            },
          },
        }
      : {}),
  });
  const announce: GraphQLContext['announce'] = (change) => bus.publish('admin-changes', { ...change, replica });
  let draining = false;
  const roster = redisLink ? createReplicaRoster({ bus, replica, ready: () => registry.started && !draining }) : null;
  /** Aborts when the drain begins (open streams end), and past the drain window (what is left is answered MODEL_NOT_READY). */
  const shutdown = new AbortController();
  const pastDrainWindow = new AbortController();
  // One limiter for both APIs: a caller's requests and work count alike over GraphQL and the Open Inference Protocol.
  const rateLimiter = createRateLimiter({
    ...config.rateLimits,
    ...(now ? { now } : {}),
    shared: redisLink
      ? createRedisTokenBuckets({
          redis: redisLink.commands,
          prefix: keyPrefix,
          connected: () => redisLink.connected,
          logger,
          ...(redisMetrics ? { onLocal: redisMetrics.recordLocalRateLimit } : {}),
          now: now ?? Date.now,
        })
      : null,
  });
  const pipelines = createPipelineRunner({
    registry,
    predictor,
    limits: { maxTensorBytes: config.maxTensorBytes, maxImagePixels: config.limits.maxImagePixels },
    ...(metrics ? { onStep: metrics.recordPipelineStep } : {}),
  });
  const context = {
    registry,
    predictor,
    explainer,
    generator,
    pipelines,
    bus,
    announce,
    draining: () => draining,
    shutdown: shutdown.signal,
    ...(redisLink ? { eventBus: () => (redisLink.connected ? ('CONNECTED' as const) : ('DEGRADED' as const)) } : {}),
    ...(roster ? { replicas: roster.list } : {}),
  };

  const healthPort =
    config.health.port === undefined
      ? null
      : createHealthPort({
          port: config.health.port,
          host: config.host,
          maxEventLoopStallMs: config.health.maxEventLoopStallMs,
          // The same answer as the GraphQL port's /health/ready, models hidden when auth is on.
          readReady: () => readyAnswer(readHealth(context), { models: !authenticator.enabled }),
          onThreadError: (error) => logger.error({ err: error }, 'the health port thread failed'),
        });

  registry.onEvent((event) => {
    healthPort?.publish();
    const level = event.state === 'FAILED' ? 'warn' : 'info';
    logger[level]({ model: event.model, version: event.version, state: event.state, reason: event.reason }, 'model state');
    bus.publish('model-events', { ...event, replica });
  });
  pool.onWorkerExit((exit) => logger.warn({ ...exit }, 'inference worker died and was replaced'));
  const loaded = source
    .prepare()
    .then(() => registry.start())
    .catch((error: unknown) => {
      logger.error({ root: source.root, err: error }, 'cannot read the model repository');
    })
    // Ready from now on: the health port and the other replicas need not wait for the next beat to say so.
    .finally(() => {
      healthPort?.publish();
      roster?.announce();
    });
  // Only other replicas announce changes to follow, and only through Redis.
  const follower = redisLink ? followAdminChanges({ bus, registry, replica, started: loaded, logger }) : null;
  if (config.watch) {
    source.watch((names) => {
      logger.info({ models: [...names] }, 'model repository changed');
      void loaded
        .then(() => registry.refresh(names))
        .catch((error: unknown) => logger.error({ err: error }, 'cannot pick up a repository change'));
    });
  }

  const { limits } = config;
  const trusted = limits.trustedDocuments ? loadTrustedDocuments() : null;
  // Left unset, what a browser and a stranger may do follows authentication: a local server is open
  // to explore; one that asks for credentials shows no GraphiQL, answers no introspection, and
  // wants CSRF's preflight header. Each can still be set either way.
  const secured = authenticator.enabled;
  const graphiql = config.graphiql ?? !secured;
  const csrf = limits.csrf ?? secured;
  const introspection = limits.introspection ?? !secured;
  const { logging } = config;
  const requestScope = createRequestScope();
  const yoga = createYoga<ServerContext, GraphQLContext>({
    schema: createSchema(),
    plugins: [
      ...(metrics ? [useOperationMetrics(metrics)] : []),
      // Early, so that an operation a later plugin stops still ends its span.
      ...(tracing ? [useOperationTraces(tracing)] : []),
      // Beside the metrics, before any plugin that may refuse an operation: a refusal gets its line too.
      ...(logging.requests === null
        ? []
        : [useOperationLog({ logger, sampleRate: logging.requests, minDurationMs: logging.minDurationMs, ...(random ? { random } : {}) })]),
      useRequestIdInErrors(),
      useShutdownCutoff(pastDrainWindow.signal),
      useCredentialExpiry(),
      useAuthChallenge(),
      ...(csrf ? [useCSRFPrevention()] : []),
      useMultipartLimits(limits),
      useMalformedBodyAsClientError(),
      ...(trusted ? trustedDocumentsPlugins(trusted) : []),
      ...operationLimitPlugins({ ...limits, introspection }),
      // After the shape and cost limits: an operation they refuse spends none of the caller's budget.
      useRateLimit({ limiter: rateLimiter, defaultMaxTokens: DEFAULT_MAX_TOKENS, maxTokens: config.generation.maxTokens }),
      // Last: it wraps the request parser the plugins above chose or wrapped.
      useRequestBodyLimit(limits.maxRequestBodyBytes),
    ],
    batching: limits.maxBatchedOperations > 0 && { limit: limits.maxBatchedOperations },
    // useRequestBodyLimit holds bodies to limits.maxRequestBodyBytes instead (request-body-limit.ts says why).
    maxRequestBodySize: false,
    // yoga's default answers any origin; a list answers only those.
    // A page's script may read the request id of an answer, to quote it in a report.
    cors: { ...(limits.corsOrigins ? { origin: limits.corsOrigins, credentials: true } : {}), exposedHeaders: [REQUEST_ID_HEADER] },
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: graphiql && { title: 'infergraph', defaultQuery: GRAPHIQL_QUERY },
    // The bundled GraphiQL: yoga's default page loads its scripts from a CDN, which a closed network lacks.
    renderGraphiQL,
    landingPage: false,
    logging: false,
    maskedErrors: { maskError: createMaskError(logger, requestScope.current) },
    // The principal is made once per request (per socket over graphql-ws, where it comes made), and a
    // caller limited to some models is given a registry that shows only those.
    context: async (initial) => {
      const principal = initial.principal ?? (await principalOfRequest(initial.request, authenticator));
      const { models } = principal;
      const visible = models === null ? registry : registry.viewFor((name) => models.has(name));
      // yoga.fetch (no Node request handler) brings no id: one is chosen here, from the same headers.
      const requestId = initial.requestId ?? requestIdOf((name) => initial.request.headers.get(name));
      return { ...context, registry: visible, principal, clientSignal: clientSignalOf(initial), requestId, notes: {} };
    },
    // The probes are answered before yoga (health-endpoints.ts). yoga's own check cannot be turned
    // off and answers any URL ending in its endpoint with an empty 200, '/health' by default;
    // pointing it at the liveness path stops it answering a path we do not serve.
    healthCheckEndpoint: LIVE_PATH,
  });

  // With a metrics port, /metrics is served there only; on the GraphQL port it then falls to yoga's 404.
  const metricsHere = metrics && config.metrics.port === undefined ? metrics : null;
  const webApp = config.webApp ? createWebApp({ reserved: [GRAPHQL_PATH], ...(webAppRoot ? { root: webAppRoot } : {}) }) : null;
  const openInference = createOpenInference({
    registry,
    predictor,
    generator,
    authenticator,
    rateLimiter,
    metrics,
    tracing,
    logger,
    operationLine:
      logging.requests === null
        ? null
        : createOperationLine({
            logger,
            sampleRate: logging.requests,
            minDurationMs: logging.minDurationMs,
            ...(random ? { random } : {}),
          }),
    maxCost: limits.maxCost,
    maxTokens: config.generation.maxTokens,
    maxRequestBodyBytes: limits.maxRequestBodyBytes,
    ready: () => registry.started && !draining,
    version: INFERGRAPH_VERSION,
    announce,
    extraRoutes: [...repositoryRoutes, ...statisticsRoutes, ...generateRoutes],
  });
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    if (answerHealthProbe(request, response, () => readHealth(context), { models: !authenticator.enabled })) return;
    if (metricsHere && answerMetrics(request, response, metricsHere, { authenticator })) return;
    if (webApp?.(request, response)) return;
    const requestId = requestIdOf((name) => request.headers[name]);
    response.setHeader(REQUEST_ID_HEADER, requestId);
    // While draining the listener stays open (so that probes read "not ready"), but a request that
    // arrives now is sent elsewhere: 503 tells a load balancer to retry on another replica.
    if (draining) return refuseWhileDraining(request, response);
    held.hold(request, response);
    requestScope.run(requestId, () => {
      if (!openInference(request, response, requestId)) void yoga(request, response, { requestId });
    });
  };
  const held = createHeldRequests();
  const server = tls ? createHttpsServer(tls, handle) : createServer(handle);
  const metricsServer =
    metrics && config.metrics.port !== undefined
      ? createServer((request, response) => {
          if (!answerMetrics(request, response, metrics, { authenticator: null })) {
            response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
            response.end('this port serves only /metrics\n');
          }
        })
      : null;
  const ws = attachGraphQLWs(server, yoga as never, GRAPHQL_PATH, {
    ...config.websocket,
    trusted,
    logger,
    authenticator,
    requestScope,
    draining: () => draining,
  });

  const app: App = {
    registry,
    pool,
    predictor,
    yoga,
    server,
    metrics,
    tracing,
    metricsServer,
    healthServer: healthPort,

    async listen() {
      await healthPort?.listen();
      if (metricsServer) {
        await new Promise<void>((resolve, reject) => {
          metricsServer.once('error', reject);
          metricsServer.listen(config.metrics.port, config.host, () => {
            metricsServer.off('error', reject);
            resolve();
          });
        });
      }
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          const { port } = server.address() as AddressInfo;
          const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
          resolve(`${tls ? 'https' : 'http'}://${host}:${port}${GRAPHQL_PATH}`);
        });
      });
    },

    async dispose() {
      if (draining) return;
      // Not ready at once (probes still answered), new requests and operations refused with 503.
      draining = true;
      // The health port's /health/ready too, without waiting for the next heartbeat.
      healthPort?.publish();
      // Event streams end after their last event (health's says not ready); predictStream after the frame in flight.
      shutdown.abort();
      held.closeConnections();
      const sourceClosed = source.close();
      // No more loads and unloads from other replicas while this one winds down.
      const followed = follower?.close();
      // The others drop this replica from their health at once.
      const left = roster?.close();
      // A scraper's keep-alive socket must not hold the process open.
      metricsServer?.close();
      metricsServer?.closeAllConnections();
      // Open streams end with CANCELLED ("the server is shutting down"), which their clients receive before sockets close.
      await generator.close();
      await Promise.all([loaded, sourceClosed]);
      // Everything that arrived before the signal is answered, over every transport (a request still
      // sending its body too); only then do the batchers stop taking requests.
      await Promise.all([held.settled(), ws.settled()]);
      await predictor.drain();
      // Then each socket closes with 1001, after its complete messages.
      await ws.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      server.closeAllConnections();
      await closed;
      // Probes read "not ready" on the health port until the GraphQL port has closed too.
      await healthPort?.close();
      await Promise.all([followed, left]);
      await registry.close();
      // After the registry's last events, which other replicas' subscribers see too.
      await bus.close();
      await redisLink?.close();
      predictor.dispose();
      await pool.close();
      // Last, so that the spans of everything drained above are exported.
      await tracing?.shutdown();
    },

    async cutOff() {
      pastDrainWindow.abort();
      held.answerUnread(answerCutOff);
      await Promise.all([held.settled(), ws.settled()]);
      await ws.close();
      // The threads end once the runs they hold return (queued ones are not started): see WorkerPool.close.
      await pool.close();
    },

    [Symbol.asyncDispose]() {
      return app.dispose();
    },
  };
  return app;
}

/** The figures of one version for a scrape: the same stats ModelStats answers. */
function figuresOf(version: ModelVersion, predictor: Predictor, generator: Generator): VersionFigures {
  return {
    model: version.model,
    version: version.version,
    state: version.state,
    memoryBytes: version.memoryBytes,
    loadMs: version.loadMs,
    predict: predictor.stats(version.key),
    generation: generator.stats(version.key),
  };
}
