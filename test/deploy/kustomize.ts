/**
 * Renders a kustomization the way `kubectl kustomize` does, for the part of kustomize that
 * deploy/kubernetes uses: `resources` (files and directories), `components`, and `patches` given by
 * `path` (strategic merge patches, `$patch: delete` included). Anything else in a kustomization
 * fails the render rather than being ignored.
 *
 * Written here rather than run through kubectl because CI has no kubectl (nor Go for kustomize); the
 * test compares this render with `kubectl kustomize` wherever kubectl is on the PATH.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as read from YAML: checked later against its schema. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export interface Kustomization {
  resources?: string[];
  components?: string[];
  patches?: { path: string }[];
}

export interface Render {
  objects: KubeObject[];
  /** Every file the render read: kustomizations, resources and patches. */
  files: Set<string>;
}

const KUSTOMIZATION_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'components', 'patches']);

/** Renders the kustomization in `dir`, or `kustomization` read as if it were in `dir`. */
export function renderKustomization(dir: string, kustomization?: Kustomization): Render {
  const files = new Set<string>();
  const objects = render(dir, kustomization ?? readKustomization(dir, files), files);
  return { objects, files };
}

/** Every YAML document of every file under `dir`, by file. */
export function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.ya?ml$/.test(file))
    .map((file) => join(dir, file));
}

function render(dir: string, kustomization: Kustomization, files: Set<string>): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const resource of kustomization.resources ?? []) {
    const path = join(dir, resource);
    if (statSync(path).isDirectory()) objects.push(...render(path, readKustomization(path, files), files));
    else objects.push(...readObjects(path, files));
  }
  // Components come after the resources of the kustomization that names them, then its own patches.
  for (const component of kustomization.components ?? []) {
    const path = join(dir, component);
    const content = readKustomization(path, files, 'Component');
    objects.push(...render(path, { ...content, patches: [] }, files));
    applyPatches(objects, path, content.patches ?? [], files);
  }
  applyPatches(objects, dir, kustomization.patches ?? [], files);
  return objects;
}

function readKustomization(dir: string, files: Set<string>, kind = 'Kustomization'): Kustomization {
  const path = join(dir, 'kustomization.yaml');
  files.add(path);
  const content = readYaml(path)[0] as Kustomization & { kind?: string };
  if (content.kind !== kind) throw new Error(`${path}: expected kind ${kind}, got ${content.kind}`);
  const unknown = Object.keys(content).filter((field) => !KUSTOMIZATION_FIELDS.has(field));
  if (unknown.length > 0) throw new Error(`${path}: this renderer does not handle ${unknown.join(', ')}; render it with kubectl kustomize`);
  for (const patch of content.patches ?? []) {
    if (Object.keys(patch).join() !== 'path') throw new Error(`${path}: only patches given by a path are handled`);
  }
  return content;
}

function readObjects(path: string, files: Set<string>): KubeObject[] {
  files.add(path);
  return readYaml(path).map((document, index) => {
    const object = document as Partial<KubeObject> | null;
    if (!object?.apiVersion || !object.kind || !object.metadata?.name) {
      throw new Error(`${path}, document ${index + 1}: not a Kubernetes object (apiVersion, kind and metadata.name)`);
    }
    return object as KubeObject;
  });
}

function readYaml(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((document) => {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0]?.message}`);
    return document.toJS();
  });
}

function applyPatches(objects: KubeObject[], dir: string, patches: { path: string }[], files: Set<string>): void {
  for (const { path } of patches) {
    for (const patch of readObjects(join(dir, path), files)) {
      const index = objects.findIndex((object) => sameObject(object, patch));
      if (index === -1) throw new Error(`${relative(dir, join(dir, path))}: no ${patch.kind} ${patch.metadata.name} to patch`);
      const { $patch: directive, ...rest } = patch as KubeObject & { $patch?: string };
      if (directive === 'delete') objects.splice(index, 1);
      else if (directive === undefined) objects[index] = mergePatch(objects[index], rest) as KubeObject;
      else throw new Error(`${path}: $patch: ${directive} is not handled`);
    }
  }
}

function sameObject(a: KubeObject, b: KubeObject): boolean {
  return a.kind === b.kind && a.metadata.name === b.metadata.name && a.metadata.namespace === b.metadata.namespace;
}

/** The merge key of a list, as Kubernetes' strategic merge patch names it; `name` for every list these patches touch otherwise. */
const MERGE_KEYS: Record<string, string> = { volumeMounts: 'mountPath', ports: 'containerPort' };

/**
 * A strategic merge patch: maps merge, `null` removes a field, lists of objects merge item by item on
 * their merge key (a new item is added), any other value replaces.
 */
function mergePatch(target: unknown, patch: unknown, field = ''): unknown {
  if (Array.isArray(patch) && Array.isArray(target)) {
    const key = MERGE_KEYS[field] ?? 'name';
    if (!patch.every((item) => isMap(item) && key in item)) return patch;
    const merged = [...target];
    for (const item of patch as Record<string, unknown>[]) {
      const at = merged.findIndex((existing) => isMap(existing) && existing[key] === item[key]);
      if (at === -1) merged.push(item);
      else merged[at] = mergePatch(merged[at], item);
    }
    return merged;
  }
  if (isMap(patch) && isMap(target)) {
    const merged: Record<string, unknown> = { ...target };
    for (const [name, value] of Object.entries(patch)) {
      if (value === null) delete merged[name];
      else merged[name] = mergePatch(merged[name], value, name);
    }
    return merged;
  }
  return patch;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
