/**
 * deploy/kubernetes, checked offline (no cluster is reachable here): each variant is rendered as
 * `kubectl apply -k` would apply it, every object is validated against its schema (Kubernetes, KEDA,
 * prometheus-operator), and the manifests are checked against the server they run: probe paths,
 * ports, setting names and values, the drain window and the autoscaling metric.
 *
 * The schemas bundled by kubernetes-models check types, enums and required fields, but not unknown
 * fields (Kubernetes' OpenAPI schemas do not forbid them): a misspelt optional field passes here,
 * which is why the fields that matter are read and checked one by one below.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler, type IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { type IPersistentVolumeClaim, PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { type IService, Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { settingsOf } from '../../src/config/setting.ts';
import { settings } from '../../src/config/settings.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { LIVE_PATH, READY_PATH } from '../../src/server/health-endpoints.ts';
import { type KubeObject, type Kustomization, type Render, renderKustomization, yamlFilesUnder } from './kustomize.ts';

const ROOT = fileURLToPath(new URL('../../deploy/kubernetes', import.meta.url));

/** The schema of each kind the manifests may hold, by apiVersion and kind; any other kind fails the test. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment,
  'v1 Service': Service,
  'v1 ConfigMap': ConfigMap,
  'v1 PersistentVolumeClaim': PersistentVolumeClaim,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2 HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'monitoring.coreos.com/v1 ServiceMonitor': ServiceMonitor,
  'keda.sh/v1alpha1 ScaledObject': ScaledObject,
};

/** Labels prometheus-operator gives every series it scrapes through a ServiceMonitor. */
const TARGET_LABELS = new Set(['namespace', 'service', 'pod', 'container', 'endpoint', 'job', 'instance']);

/** After the drain window, the answers that cut off what is left get up to a second to leave (src/main.ts). */
const CUT_OFF_MS = 1000;

/** What to apply: the default, the HPA variant, and the default with models from S3 (its kustomization's commented line). */
const VARIANTS: Record<string, { dir: string; kustomization?: Kustomization }> = {
  default: { dir: ROOT },
  hpa: { dir: join(ROOT, 'hpa') },
  s3: { dir: ROOT, kustomization: { resources: ['base', 'keda'], components: ['s3'] } },
};

const renders: Record<string, Render> = Object.fromEntries(
  Object.entries(VARIANTS).map(([name, { dir, kustomization }]) => [name, renderKustomization(dir, kustomization)]),
);

const envNames = new Map([...settingsOf(settings)].map(({ setting }) => [setting.env, setting]));
const metrics = createMetrics({ states: [], versions: () => [], webSocketConnections: () => 0, workers: () => [] });
const metricNames = new Set(metrics.registry.getMetricsAsArray().map((metric) => metric.name));

describe.each(Object.keys(VARIANTS))('deploy/kubernetes, %s variant', (variant) => {
  const { objects } = renders[variant] as Render;
  const deployment = the<IDeployment>(objects, 'Deployment', 'infergraph');
  const container = deployment.spec?.template.spec?.containers.find(({ name }) => name === 'infergraph') as IContainer;
  const env = new Map((container.env ?? []).map(({ name, value }) => [name, value]));

  it('should validate every object against its schema', () => {
    for (const object of objects) {
      const Model = MODELS[`${object.apiVersion} ${object.kind}`];
      if (!Model) throw new Error(`${object.kind} ${object.metadata.name}: ${object.apiVersion} ${object.kind} has no schema here`);
      const { apiVersion: _apiVersion, kind: _kind, ...data } = object;
      expect(() => new Model(data as never).validate(), `${object.kind} ${object.metadata.name}`).not.toThrow();
    }
  });

  it('should name only settings the server has, with values it accepts', () => {
    for (const { name, value, valueFrom } of container.env ?? []) {
      const setting = envNames.get(name);
      if (setting) {
        expect(valueFrom, `${name} is a literal`).toBeUndefined();
        expect(setting.schema.safeParse(value).success, `${name}=${value}`).toBe(true);
      } else {
        expect(name.startsWith('AWS_'), `${name} is not a setting`).toBe(true);
      }
    }
  });

  it('should probe the paths the server answers, on the health port', () => {
    const { startupProbe, readinessProbe, livenessProbe } = container;
    expect(readinessProbe?.httpGet?.path).toBe(READY_PATH);
    expect(livenessProbe?.httpGet?.path).toBe(LIVE_PATH);
    expect([READY_PATH, LIVE_PATH]).toContain(startupProbe?.httpGet?.path);
    const healthPort = Number(env.get('HEALTH_PORT'));
    for (const probe of [startupProbe, readinessProbe, livenessProbe]) {
      expect(containerPort(container, probe?.httpGet?.port)).toBe(healthPort);
    }
    // Loading models takes long: the startup probe gives it minutes, the others take over once it passed.
    const startupSeconds = (startupProbe?.periodSeconds ?? 10) * (startupProbe?.failureThreshold ?? 3);
    expect(startupSeconds).toBeGreaterThanOrEqual(120);
  });

  it('should expose the ports the server listens on', () => {
    const port = Number(env.get('PORT') ?? settings.port.defaultValue());
    expect(containerPort(container, 'http')).toBe(port);
    expect(containerPort(container, 'metrics')).toBe(Number(env.get('METRICS_PORT')));
    const service = the<IService>(objects, 'Service', 'infergraph');
    const servicePort = (name: string) => service.spec?.ports?.find((entry) => entry.name === name);
    expect(containerPort(container, servicePort('http')?.targetPort)).toBe(port);
    expect(containerPort(container, servicePort('metrics')?.targetPort)).toBe(Number(env.get('METRICS_PORT')));
  });

  it('should let the drain finish before the kubelet kills the pod', () => {
    const preStopSeconds = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
    expect(preStopSeconds).toBeGreaterThan(0);
    const drainMs = Number(env.get('DRAIN_TIMEOUT_MS') ?? settings.shutdown.drainTimeoutMs.defaultValue());
    const graceSeconds = deployment.spec?.template.spec?.terminationGracePeriodSeconds ?? 30;
    expect(graceSeconds * 1000).toBeGreaterThan(preStopSeconds * 1000 + drainMs + CUT_OFF_MS);
  });

  it('should select the same pods from the Deployment, the Service, the disruption budget and the ServiceMonitor', () => {
    const podLabels = deployment.spec?.template.metadata?.labels ?? {};
    const selector = deployment.spec?.selector.matchLabels ?? {};
    expect(Object.keys(selector).length).toBeGreaterThan(0);
    expect(podLabels).toMatchObject(selector);
    const service = the<IService>(objects, 'Service', 'infergraph');
    expect(service.spec?.selector).toEqual(selector);
    expect(the<PodDisruptionBudget>(objects, 'PodDisruptionBudget', 'infergraph').spec?.selector?.matchLabels).toEqual(selector);
    const monitor = the<ServiceMonitor>(objects, 'ServiceMonitor', 'infergraph');
    expect(service.metadata?.labels).toMatchObject(monitor.spec.selector.matchLabels ?? {});
    // Only the server's Service, not Redis's, is scraped.
    const scraped = objects.filter(
      (object) => object.kind === 'Service' && matches(object.metadata.labels, monitor.spec.selector.matchLabels),
    );
    expect(scraped.map((object) => object.metadata.name)).toEqual(['infergraph']);
    const portNames = (service.spec?.ports ?? []).map(({ name }) => name);
    for (const endpoint of monitor.spec.endpoints ?? []) {
      expect(portNames).toContain(endpoint.port);
      expect(endpoint.path ?? '/metrics').toBe('/metrics');
    }
  });

  it('should point REDIS_URL at the Redis Service', () => {
    const url = new URL(env.get('REDIS_URL') ?? '');
    const redis = the<IService>(objects, 'Service', url.hostname);
    expect(redis.spec?.ports?.map(({ port }) => port)).toContain(Number(url.port));
    const redisPods = objects.filter(
      (object) =>
        object.kind === 'Deployment' && matches((object as unknown as IDeployment).spec?.template.metadata?.labels, redis.spec?.selector),
    );
    expect(redisPods.map((object) => object.metadata.name)).toEqual(['infergraph-redis']);
  });

  it('should run as a non-root user on a read-only root, with a writable /tmp', () => {
    const pod = deployment.spec?.template.spec;
    for (const each of pod?.containers ?? []) {
      expect(pod?.securityContext?.runAsNonRoot ?? each.securityContext?.runAsNonRoot).toBe(true);
      expect(each.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(each.resources?.requests).toBeDefined();
      expect(each.resources?.limits?.memory).toBeDefined();
    }
    const tmp = container.volumeMounts?.find(({ mountPath }) => mountPath === '/tmp');
    expect(pod?.volumes?.find(({ name }) => name === tmp?.name)?.emptyDir).toBeDefined();
  });

  it('should scale one way only, on the pending-requests metric the server exports', () => {
    const autoscalers = objects.filter(({ kind }) => kind === 'ScaledObject' || kind === 'HorizontalPodAutoscaler');
    expect(autoscalers).toHaveLength(1);
    const [autoscaler] = autoscalers as [KubeObject];
    const target = (autoscaler.spec as { scaleTargetRef: { kind?: string; name: string } }).scaleTargetRef;
    expect(target).toMatchObject({ kind: 'Deployment', name: 'infergraph' });
    // The autoscaler owns the count: a count in the Deployment would reset it at every apply.
    expect(deployment.spec?.replicas).toBeUndefined();
    // Two at least, so that the one the disruption budget lets go leaves one serving.
    const spec = autoscaler.spec as { minReplicaCount?: number; minReplicas?: number };
    expect(spec.minReplicaCount ?? spec.minReplicas).toBeGreaterThanOrEqual(2);
    if (autoscaler.kind === 'ScaledObject') {
      const [trigger] = (autoscaler as unknown as ScaledObject).spec.triggers;
      expect(trigger?.type).toBe('prometheus');
      checkQuery(String(trigger?.metadata.query), objects);
      expect(Number(trigger?.metadata.threshold)).toBeGreaterThan(0);
    } else {
      const [metric] = (autoscaler as unknown as IHorizontalPodAutoscaler).spec?.metrics ?? [];
      expect(metric?.type).toBe('Pods');
      // The name prometheus-adapter serves it under, from the adapter rule shipped beside it.
      const adapter = the<IConfigMap>(objects, 'ConfigMap', 'prometheus-adapter');
      const rules = (parse(adapter.data?.['config.yaml'] ?? '') as { rules: AdapterRule[] }).rules;
      const rule = rules.find((each) => each.name.as === metric?.pods?.metric.name);
      expect(rule, `an adapter rule serving ${metric?.pods?.metric.name}`).toBeDefined();
      checkQuery(rule?.seriesQuery ?? '', objects);
      expect(rule?.resources.overrides).toMatchObject({ namespace: { resource: 'namespace' }, pod: { resource: 'pod' } });
      expect(rule?.metricsQuery).toContain('<<.Series>>');
    }
  });
});

describe('deploy/kubernetes', () => {
  it('should apply every manifest file in one variant or another', () => {
    const rendered = new Set(Object.values(renders).flatMap(({ files }) => [...files]));
    const unused = yamlFilesUnder(ROOT).filter((file) => !rendered.has(file));
    expect(unused.map((file) => relative(ROOT, file))).toEqual([]);
  });

  it('should take models from a shared volume by default, and from S3 into an emptyDir cache with the s3 component', () => {
    const volumeOf = (objects: KubeObject[]) => {
      const pod = the<IDeployment>(objects, 'Deployment', 'infergraph').spec?.template.spec;
      const container = pod?.containers[0] as IContainer;
      const env = new Map((container.env ?? []).map(({ name, value }) => [name, value]));
      const repository = env.get('MODEL_REPOSITORY') ?? '';
      const mount = container.volumeMounts?.find(({ mountPath }) => mountPath === (env.get('MODEL_CACHE_DIR') ?? repository));
      return { env, repository, mount, volume: pod?.volumes?.find(({ name }) => name === mount?.name), objects };
    };
    const byVolume = volumeOf(renders.default?.objects ?? []);
    expect(byVolume.repository).toBe(byVolume.mount?.mountPath);
    // Every replica, on any node, mounts the one repository.
    const claim = the<IPersistentVolumeClaim>(
      byVolume.objects,
      'PersistentVolumeClaim',
      byVolume.volume?.persistentVolumeClaim?.claimName ?? '',
    );
    expect(claim.spec?.accessModes).toContain('ReadWriteMany');

    const fromS3 = volumeOf(renders.s3?.objects ?? []);
    expect(fromS3.repository).toMatch(/^s3:\/\/[^/]+/);
    expect(fromS3.volume).toEqual({ name: 'models', emptyDir: expect.any(Object) });
    expect(fromS3.mount?.readOnly ?? false).toBe(false);
    expect(fromS3.objects.some(({ kind }) => kind === 'PersistentVolumeClaim')).toBe(false);
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!kubectl)('should render what kubectl kustomize renders', () => {
    for (const [name, { dir, kustomization }] of Object.entries(VARIANTS)) {
      const actual = kubectlKustomize(dir, kustomization);
      expect(normalize(renders[name]?.objects), name).toEqual(normalize(actual));
    }
  });
});

interface AdapterRule {
  seriesQuery: string;
  resources: { overrides: Record<string, { resource: string }> };
  name: { matches: string; as: string };
  metricsQuery: string;
}

/** Checks that a PromQL query reads only metrics the server exports, by labels they have or the scrape adds. */
function checkQuery(query: string, objects: KubeObject[]): void {
  const names = query.match(/\binfergraph_[a-z_]+/g) ?? [];
  expect(names).toContain('infergraph_inference_pending_requests');
  for (const name of names) expect(metricNames, query).toContain(name);
  const labelNames = new Set(names.flatMap((name) => metricLabels(name)));
  for (const [, label, value] of query.matchAll(/([a-z_]+)\s*!?=~?\s*"([^"]*)"/g)) {
    expect(labelNames.has(label as string) || TARGET_LABELS.has(label as string), `label ${label} in ${query}`).toBe(true);
    if (label === 'service') the<IService>(objects, 'Service', value as string);
  }
}

function metricLabels(name: string): string[] {
  const metric = metrics.registry.getSingleMetric(name) as unknown as { labelNames?: string[] } | undefined;
  return metric?.labelNames ?? [];
}

/** The one object of a kind and name; fails the test when there is none. */
function the<T>(objects: KubeObject[], kind: string, name: string): T {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found as unknown as T;
}

function matches(labels: Record<string, string> | undefined, selector: Record<string, string> | undefined): boolean {
  return Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);
}

/** The container port a probe or a Service names, by number or by name. */
function containerPort(container: IContainer, port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find(({ name }) => name === port)?.containerPort;
}

function kubectlKustomize(dir: string, kustomization?: Kustomization): KubeObject[] {
  let root = dir;
  let temporary: string | undefined;
  if (kustomization) {
    // kustomize takes only relative paths, so the composed kustomization names them from a temp dir.
    temporary = mkdtempSync(join(tmpdir(), 'kustomize-'));
    const relativeTo = (path: string) => relative(temporary as string, join(dir, path));
    const text = JSON.stringify({
      resources: kustomization.resources?.map(relativeTo),
      components: kustomization.components?.map(relativeTo),
    });
    writeFileSync(join(temporary, 'kustomization.yaml'), text);
    root = temporary;
  }
  try {
    const result = spawnSync('kubectl', ['kustomize', root], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`kubectl kustomize ${root}: ${result.stderr}`);
    return result.stdout.split(/^---$/m).map((document) => parse(document) as KubeObject);
  } finally {
    if (temporary) rmSync(temporary, { recursive: true, force: true });
  }
}

/** Objects in one order, and lists merged by name in one order: kustomize puts an item a patch adds first, the renderer last. */
function normalize(objects: KubeObject[] | undefined): unknown {
  const sortNamed = (value: unknown): unknown => {
    if (Array.isArray(value)) {
      const items = value.map(sortNamed);
      const named = items.every((item) => typeof item === 'object' && item !== null && 'name' in item);
      return named
        ? items.sort((a, b) => String((a as { name: unknown }).name).localeCompare(String((b as { name: unknown }).name)))
        : items;
    }
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, sortNamed(entry)]));
    }
    return value;
  };
  return [...(objects ?? [])].sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`)).map(sortNamed);
}
