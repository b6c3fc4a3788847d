/**
 * deploy/kserve, checked offline (no cluster, and no KServe CRD schema to download): the files are read
 * as `kubectl apply -f deploy/kserve/` reads them, the KServe fields are checked against a schema written
 * here from KServe's API reference, the container against the Kubernetes schemas, and the whole against
 * the server it runs: the container KServe would make is parsed by the server's own config loader, and a
 * server so configured answers the probes.
 *
 * The KServe schema follows the Control Plane API reference
 * (https://kserve.github.io/website/docs/reference/crd-api: ServingRuntimeSpec, SupportedModelFormat,
 * ModelSpec, ModelFormat; protocolVersions "i.e. v1 or v2 or grpc-v1 or grpc-v2") and the Serving Runtime
 * page (https://kserve.github.io/website/docs/concepts/resources/servingruntime). It rejects unknown
 * KServe fields; the container fields inside are checked by kubernetes-models, which (like Kubernetes'
 * OpenAPI schemas) does not.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { Container, type IContainer } from 'kubernetes-models/v1/Container';
import { Pod } from 'kubernetes-models/v1/Pod';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { type Config, loadConfig } from '../../src/config/load-config.ts';
import { LIVE_PATH, READY_PATH } from '../../src/server/health-endpoints.ts';
import { PROJECT, readDockerfile } from '../fixtures/dockerfile.ts';
import { serveModels } from '../fixtures/server.ts';

const ROOT = join(PROJECT, 'deploy/kserve');

/** Where KServe's storage initializer puts a storageUri when no path is given (docs: model-serving/storage/multiple-storage-uris). */
const MODEL_MOUNT = '/mnt/models';

/** The container KServe merges the predictor into, and the port it sends HTTP traffic to (KServe's constants.go). */
const KSERVE_CONTAINER = 'kserve-container';
const KSERVE_PORT_NAME = 'http1';
const KSERVE_HTTP_PORT = 8080;

const PROTOCOLS = ['v1', 'v2', 'grpc-v1', 'grpc-v2'] as const;

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const metadata = z.object({
  // KServe names Services and hosts after an InferenceService: a DNS label that starts with a letter.
  name: z
    .string()
    .max(63)
    .regex(dnsLabel)
    .regex(/^[a-z]/),
  namespace: z.string().regex(dnsLabel).optional(),
  labels: z
    .record(z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/), z.string().max(63).regex(labelValue))
    .optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const servingRuntimeSchema = z.strictObject({
  apiVersion: z.literal('serving.kserve.io/v1alpha1'),
  kind: z.enum(['ServingRuntime', 'ClusterServingRuntime']),
  metadata,
  spec: z.strictObject({
    supportedModelFormats: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          // "major", "major.minor" or "major.minor.patch".
          version: z
            .string()
            .regex(/^\d+(\.\d+){0,2}$/)
            .optional(),
          autoSelect: z.boolean().optional(),
          priority: z.int().positive().optional(),
        }),
      )
      .min(1),
    multiModel: z.boolean().optional(),
    disabled: z.boolean().optional(),
    protocolVersions: z.array(z.enum(PROTOCOLS)).min(1).optional(),
    containers: z.array(z.looseObject({ name: z.string() })).min(1),
    volumes: z.array(z.unknown()).optional(),
    nodeSelector: z.record(z.string(), z.string()).optional(),
    affinity: z.unknown().optional(),
    tolerations: z.array(z.unknown()).optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    imagePullSecrets: z.array(z.object({ name: z.string() })).optional(),
  }),
});

/** ModelSpec's own fields; the rest of it are container fields, merged into the runtime's container. */
const modelFields = {
  modelFormat: z.strictObject({ name: z.string().min(1), version: z.string().optional() }),
  runtime: z.string().optional(),
  storageUri: z
    .string()
    .regex(/^[a-z0-9]+:\/\/./)
    .optional(),
  runtimeVersion: z.string().optional(),
  protocolVersion: z.enum(PROTOCOLS).optional(),
};

const inferenceServiceSchema = z.strictObject({
  apiVersion: z.literal('serving.kserve.io/v1beta1'),
  kind: z.literal('InferenceService'),
  metadata,
  spec: z.strictObject({
    predictor: z.looseObject({ model: z.looseObject(modelFields) }),
    transformer: z.unknown().optional(),
    explainer: z.unknown().optional(),
  }),
});

type ServingRuntime = z.infer<typeof servingRuntimeSchema>;
type InferenceService = z.infer<typeof inferenceServiceSchema>;

/** What `kubectl apply -f deploy/kserve/` applies, in its order: the directory's YAML and JSON files by name. */
const files = readdirSync(ROOT)
  .filter((name) => /\.(ya?ml|json)$/.test(name))
  .sort();
const documents = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(ROOT, file), 'utf8')).map((document) => ({ file, object: document.toJS() as unknown })),
);
// Read as written: the schema test says what does not fit, naming the file and the field.
const runtime = documents.find(({ object }) => kindOf(object) === 'ServingRuntime')?.object as ServingRuntime;
const service = documents.find(({ object }) => kindOf(object) === 'InferenceService')?.object as InferenceService;

const dockerfile = readDockerfile();
const imageStage = dockerfile.at(-1)!;
const imageEnv = Object.assign(
  {},
  ...imageStage.instructions.filter(({ keyword }) => keyword === 'ENV').map(({ properties }) => properties),
);
const imageCmd = imageStage.instructions.find(({ keyword }) => keyword === 'CMD')?.exec;

describe('deploy/kserve', () => {
  it('should hold a ServingRuntime and an InferenceService, the runtime applied first', () => {
    expect(documents.map(({ file, object }) => `${file}: ${kindOf(object)}`)).toEqual([
      '1-serving-runtime.yaml: ServingRuntime',
      '2-inference-service.yaml: InferenceService',
    ]);
  });

  it("should follow KServe's documented schema", () => {
    for (const { file, object } of documents) {
      const schema = kindOf(object) === 'InferenceService' ? inferenceServiceSchema : servingRuntimeSchema;
      const result = schema.safeParse(object);
      expect(result.success, `${file}: ${result.error?.message}`).toBe(true);
    }
  });

  it('should make a container and a pod that pass the Kubernetes schemas, alone and with the predictor merged in', () => {
    const own = runtimeContainer();
    expect(() => new Container(own).validate()).not.toThrow();
    for (const container of [own, containerFor(service)]) {
      const pod = new Pod({ metadata: { name: `${service.metadata.name}-predictor` }, spec: { containers: [container] } });
      expect(() => pod.validate()).not.toThrow();
    }
  });

  it('should be the runtime the InferenceService names, for its model format and protocol', () => {
    const { model } = service.spec.predictor;
    expect(model.runtime).toBe(runtime.metadata.name);
    const format = runtime.spec.supportedModelFormats.find(({ name }) => name === model.modelFormat.name);
    expect(format, `a supported format named ${model.modelFormat.name}`).toBeDefined();
    if (model.modelFormat.version) expect(format?.version).toBe(model.modelFormat.version);
    expect(runtime.spec.protocolVersions).toContain(model.protocolVersion);
    // ModelMesh's multi-model placement needs a management endpoint the server does not have.
    expect(runtime.spec.multiModel ?? false).toBe(false);
  });

  it('should run the image and the command the Dockerfile builds', () => {
    const container = containerFor(service);
    // `docker build -t infergraph .`, as the Dockerfile's header says, and the image deploy/kubernetes runs.
    const tag = /docker build -t (\S+) \./.exec(readFileSync(join(PROJECT, 'Dockerfile'), 'utf8'))?.[1];
    expect(container.image).toBe(tag?.includes(':') ? tag : `${tag}:latest`);
    expect(container.image).toBe(kubernetesImage());
    // Written out, since `args` replace the CMD: the node image's entrypoint would run bare flags as node's own.
    expect(container.command).toEqual(imageCmd);
  });

  describe.each([
    ['as the InferenceService sets it', () => service],
    ['for an InferenceService that sets only what it must', () => minimal(service)],
  ])('the server KServe starts, %s', (_name, select) => {
    it('should listen on the port KServe sends traffic to, the one the container declares', () => {
      const { container, config } = started(select());
      const declared = container.ports?.find(({ name }) => name === KSERVE_PORT_NAME);
      expect(declared?.containerPort).toBe(KSERVE_HTTP_PORT);
      expect(config.port).toBe(declared?.containerPort);
      // Knative serves a revision on a single declared port.
      expect(container.ports).toHaveLength(1);
    });

    it('should serve the repository KServe downloads the storageUri into', () => {
      const isvc = select();
      expect(started(isvc).config.modelRepository).toBe(MODEL_MOUNT);
      expect(isvc.spec.predictor.model.storageUri).toMatch(/^[a-z0-9]+:\/\/[^/]+/);
    });

    it('should run one inference thread per core of its CPU limit', () => {
      const { container, config } = started(select());
      expect(config.workers).toBe(Math.ceil(cores(String(container.resources?.limits?.cpu))));
    });

    it("should name its traces after the InferenceService, KServe's placeholder filled in", () => {
      const { config } = started(select());
      expect(config.tracing.serviceName).toBe(service.metadata.name);
    });
  });

  it('should probe, on the port it serves, paths a server so configured answers with 200 once its models are loaded', async () => {
    const { container, config } = started(service);
    const { readinessProbe, livenessProbe } = container;
    expect(readinessProbe?.httpGet?.path).toBe(READY_PATH);
    expect(livenessProbe?.httpGet?.path).toBe(LIVE_PATH);
    for (const probe of [readinessProbe, livenessProbe]) expect(probe?.httpGet?.port).toBe(config.port);

    // The same settings on a free loopback port, over an example repository instead of KServe's mount; without
    // the image's health port, so that the answers come from the port the probes use.
    const { modelRepository: _mount, port: _port, host: _host, ...settings } = config;
    await using server = await serveModels((repository) => repository.copyExample('glyphs'), {
      ...settings,
      health: { ...settings.health, port: undefined },
    });
    for (const probe of [readinessProbe, livenessProbe]) {
      const response = await fetch(`${server.origin}${probe?.httpGet?.path}`);
      expect(response.status, String(probe?.httpGet?.path)).toBe(200);
    }
  });
});

function kindOf(object: unknown): unknown {
  return (object as { kind?: unknown } | null)?.kind;
}

function runtimeContainer(): IContainer {
  const container = runtime.spec.containers.find(({ name }) => name === KSERVE_CONTAINER);
  if (!container) throw new Error(`the runtime has no container named ${KSERVE_CONTAINER}`);
  return container as unknown as IContainer;
}

/**
 * The container KServe runs for an InferenceService, as its controller makes it (MergeRuntimeContainers,
 * ReplacePlaceholders in pkg/controller/v1beta1/inferenceservice/utils): the predictor's container fields
 * merged into the runtime's container (a strategic merge: env by name, resources key by key; args appended),
 * then `{{.Field}}` filled in from the InferenceService's metadata.
 */
function containerFor(isvc: InferenceService): IContainer {
  const model = Object.entries(isvc.spec.predictor.model);
  const overrides = Object.fromEntries(model.filter(([field]) => !Object.hasOwn(modelFields, field))) as Partial<IContainer>;
  const base = runtimeContainer();
  const env = new Map([...(base.env ?? []), ...(overrides.env ?? [])].map((variable) => [variable.name, variable]));
  const merged: IContainer = {
    ...base,
    ...overrides,
    name: base.name,
    args: [...(base.args ?? []), ...(overrides.args ?? [])],
    env: [...env.values()],
    resources: {
      requests: { ...base.resources?.requests, ...overrides.resources?.requests },
      limits: { ...base.resources?.limits, ...overrides.resources?.limits },
    },
  };
  const meta = isvc.metadata as Record<string, unknown>;
  const text = JSON.stringify(merged).replace(/\{\{\s*\.(\w+)\s*\}\}/g, (placeholder, field: string) => {
    const value = meta[field.charAt(0).toLowerCase() + field.slice(1)];
    if (typeof value !== 'string') throw new Error(`${placeholder}: the InferenceService's metadata has no such text`);
    return value;
  });
  return JSON.parse(text) as IContainer;
}

/**
 * The InferenceService with only the fields KServe needs, no resources or env of its own: the runtime's then apply
 * (KServe's webhook fills in its default resources, 1 CPU and 2Gi, which are the runtime's too).
 */
function minimal(isvc: InferenceService): InferenceService {
  const { modelFormat, runtime, storageUri, protocolVersion } = isvc.spec.predictor.model;
  return { ...isvc, spec: { predictor: { model: { modelFormat, runtime, storageUri, protocolVersion } } } };
}

/**
 * The container KServe runs for `isvc`, and the server's config in it as the server reads it: the args as its
 * command line, the container's env over the image's ENV.
 */
function started(isvc: InferenceService): { container: IContainer; config: Config } {
  const container = containerFor(isvc);
  const env: Record<string, string> = { ...imageEnv };
  for (const { name, value, valueFrom } of container.env ?? []) {
    expect(valueFrom, `${name} is a literal`).toBeUndefined();
    env[name] = value ?? '';
  }
  return { container, config: loadConfig(container.args ?? [], env) };
}

/** A CPU quantity in cores: "2", "1.5" or "500m". */
function cores(quantity: string): number {
  const [, number, milli] = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity) ?? [];
  if (number === undefined) throw new Error(`not a CPU quantity: ${quantity}`);
  return Number(number) / (milli ? 1000 : 1);
}

function kubernetesImage(): string | undefined {
  const deployment = parse(readFileSync(join(PROJECT, 'deploy/kubernetes/base/deployment.yaml'), 'utf8')) as IDeployment;
  return deployment.spec?.template.spec?.containers.find(({ name }) => name === 'infergraph')?.image;
}
