import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * A small kustomize renderer for tests: kustomize is not installed here, and k8s/ uses only a
 * few of its features. Supported, with kustomize's semantics:
 * - `resources`: YAML files (several documents each) and directories holding a kustomization.yaml;
 * - `namespace`: set on every namespaced object;
 * - `images`: `name` → `newName` / `newTag` / `digest` on every container and init container;
 * - `patches`: `path` or inline `patch`. A patch that is a YAML list is JSON 6902 (`add`,
 *   `replace`, `remove`) and needs a `target` (`kind`, `name`); a patch that is an object is a
 *   strategic merge patch, matched by kind and name (maps merge, `null` deletes, lists of
 *   containers/env/volumes/volumeMounts/ports merge by their Kubernetes merge key, any other
 *   list is replaced). `$patch` directives are not supported.
 * Any other kustomization field fails the render, so the manifests cannot drift past these.
 */

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

interface Kustomization {
  resources?: string[];
  namespace?: string;
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  patches?: { path?: string; patch?: string; target?: { kind?: string; name?: string } }[];
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'patches']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'PriorityClass', 'IngressClass']);
/** Strategic-merge keys of the list fields k8s/ patches (from the Kubernetes API's patchMergeKey). */
const MERGE_KEYS: Record<string, (item: Record<string, unknown>) => unknown> = {
  containers: (i) => i.name,
  initContainers: (i) => i.name,
  env: (i) => i.name,
  volumes: (i) => i.name,
  volumeMounts: (i) => i.mountPath,
  // a container's ports merge on containerPort, a Service's on port
  ports: (i) => i.containerPort ?? i.port,
};

export function readYamlDocuments(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((doc): doc is K8sObject => doc !== null);
}

/** Renders the kustomization in `dir` as `kustomize build dir` would, within the features above. */
export function renderKustomization(dir: string): K8sObject[] {
  const file = join(dir, 'kustomization.yaml');
  const k = readYamlDocuments(file)[0] as unknown as Kustomization;
  for (const key of Object.keys(k)) if (!SUPPORTED.has(key)) throw new Error(`${file}: kustomize field "${key}" is not supported by tests/deploy/kustomize.ts`);

  let objects: K8sObject[] = [];
  for (const entry of k.resources ?? []) {
    const path = resolve(dir, entry);
    objects.push(...(statSync(path).isDirectory() ? renderKustomization(path) : readYamlDocuments(path)));
  }
  for (const p of k.patches ?? []) {
    const text = p.path ? readFileSync(resolve(dir, p.path), 'utf8') : p.patch;
    if (text === undefined) throw new Error(`${file}: a patch needs path or patch`);
    for (const doc of parseAllDocuments(text)) {
      const patch = doc.toJS() as unknown;
      if (Array.isArray(patch)) objects = applyJson6902(objects, patch, p.target, file);
      else objects = applyStrategicMerge(objects, patch as K8sObject, file);
    }
  }
  for (const image of k.images ?? []) setImage(objects, image);
  if (k.namespace) {
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  }
  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (seen.has(id)) throw new Error(`${file}: ${id} is defined twice`);
    seen.add(id);
  }
  return objects;
}

function applyStrategicMerge(objects: K8sObject[], patch: K8sObject, file: string): K8sObject[] {
  const index = objects.findIndex((o) => o.kind === patch.kind && o.metadata.name === patch.metadata?.name);
  if (index < 0) throw new Error(`${file}: patch target ${patch.kind}/${patch.metadata?.name} not found`);
  const next = [...objects];
  next[index] = mergeValue(objects[index], patch, '') as K8sObject;
  return next;
}

function mergeValue(base: unknown, patch: unknown, field: string): unknown {
  if (patch === null) return undefined;
  if (Array.isArray(patch)) {
    const key = MERGE_KEYS[field];
    if (!key || !Array.isArray(base)) return structuredClone(patch);
    const merged = base.map((item) => structuredClone(item) as Record<string, unknown>);
    for (const item of patch as Record<string, unknown>[]) {
      const at = merged.findIndex((existing) => key(existing) === key(item));
      if (at >= 0) merged[at] = mergeValue(merged[at], item, '') as Record<string, unknown>;
      else merged.push(structuredClone(item));
    }
    return merged;
  }
  if (isMap(patch) && isMap(base)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(patch)) {
      if (k.startsWith('$patch')) throw new Error('$patch directives are not supported');
      const merged = mergeValue(base[k], v, k);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
    return out;
  }
  return structuredClone(patch);
}

type JsonOp = { op: 'add' | 'replace' | 'remove'; path: string; value?: unknown };

function applyJson6902(objects: K8sObject[], ops: JsonOp[], target: { kind?: string; name?: string } | undefined, file: string): K8sObject[] {
  if (!target?.kind || !target.name) throw new Error(`${file}: a JSON 6902 patch needs target.kind and target.name`);
  const index = objects.findIndex((o) => o.kind === target.kind && o.metadata.name === target.name);
  if (index < 0) throw new Error(`${file}: patch target ${target.kind}/${target.name} not found`);
  const doc = structuredClone(objects[index]!) as unknown as Record<string, unknown>;
  for (const op of ops) {
    const parts = op.path.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = parts.pop()!;
    let parent: unknown = doc;
    for (const part of parts) {
      parent = (parent as Record<string, unknown>)[part];
      if (parent === undefined) throw new Error(`${file}: ${op.path} does not exist`);
    }
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last);
      if (op.op === 'add') parent.splice(i, 0, op.value);
      else if (i >= parent.length) throw new Error(`${file}: ${op.path} does not exist`);
      else if (op.op === 'replace') parent[i] = op.value;
      else parent.splice(i, 1);
    } else {
      const map = parent as Record<string, unknown>;
      if (op.op !== 'add' && !(last in map)) throw new Error(`${file}: ${op.path} does not exist`);
      if (op.op === 'remove') delete map[last];
      else map[last] = op.value;
    }
  }
  const next = [...objects];
  next[index] = doc as unknown as K8sObject;
  return next;
}

function setImage(objects: K8sObject[], image: NonNullable<Kustomization['images']>[number]): void {
  for (const o of objects) {
    const spec = (o.spec as { template?: { spec?: Record<string, unknown> } } | undefined)?.template?.spec;
    for (const c of [...((spec?.containers as { image: string }[]) ?? []), ...((spec?.initContainers as { image: string }[]) ?? [])]) {
      const name = c.image.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
      if (name !== image.name) continue;
      const tag = /:([^/:@]+)(@|$)/.exec(c.image.replace(name, ''))?.[1];
      const newName = image.newName ?? name;
      if (image.digest) c.image = `${newName}@${image.digest}`;
      else if (image.newTag ?? tag) c.image = `${newName}:${image.newTag ?? tag}`;
      else c.image = newName;
    }
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
