import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { blobStoreConfig, loadConfig, requiredKeys, type BlobEnv } from '@switchboard/config';
import { ENABLED_CHANNELS, QUEUES } from '@switchboard/contracts';
import { readYamlDocuments, renderKustomization, type K8sObject } from './kustomize.ts';
import { ingressEmailEnv } from '@switchboard/ingress-email';
import { SERVICE_ENVS } from './service-envs.ts';

// kustomize and a cluster are not available here: k8s/ is rendered by tests/deploy/kustomize.ts,
// every object is validated against the Kubernetes (and KEDA) API schemas of kubernetes-models,
// and the wiring is checked against the code: config schemas, ports, probes, shutdown, queues.
const root = fileURLToPath(new URL('../../', import.meta.url));

const APPS = SERVICE_ENVS;
/** Queues each worker service consumes: KEDA scales it on their wait lists. */
const CONSUMES: Record<string, string[]> = {
  router: ['inbound', 'routing'],
  egress: [...ENABLED_CHANNELS.map((c) => `outbound-${c}`), 'media-fetch'],
};
/** Public paths and the service whose routes serve them. */
const ROUTES: Record<string, string> = {
  '/api': 'api',
  '/docs': 'api',
  '/admin/queues': 'api',
  '/webhooks/telegram': 'ingress-telegram',
  '/webhooks/whatsapp': 'ingress-whatsapp',
  '/webhooks/messenger': 'ingress-meta',
  '/webhooks/instagram': 'ingress-meta',
  '/webhooks/sms': 'ingress-sms',
  '/media': 'ingress-sms',
  '/webchat': 'ingress-webchat',
  '/widget.js': 'ingress-webchat',
};

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/Namespace': Namespace,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
};

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are walked as plain YAML data */
type Obj = K8sObject & { spec?: any; data?: Record<string, string>; stringData?: Record<string, string> };

const secretTemplate = readYamlDocuments(`${root}k8s/base/secret.template.yaml`)[0] as Obj;
/** The shutdown deadline of every service: handleShutdown's default (no main.ts overrides it). */
const shutdownDeadlineS = Number(/timeoutMs \?\? ([\d_]+)/.exec(readFileSync(`${root}packages/runtime/src/shutdown.ts`, 'utf8'))![1]!.replaceAll('_', '')) / 1000;

const renders: [string, Obj[]][] = [
  ['base', renderKustomization(`${root}k8s/base`) as Obj[]],
  ['overlays/example', renderKustomization(`${root}k8s/overlays/example`) as Obj[]],
];

const find = (objects: Obj[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const podSpec = (d: Obj) => d.spec.template.spec;
const labelsMatch = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** A valid stand-in for each placeholder the config schemas parse more strictly than "any string". */
function secretValue(key: string): string {
  if (key === 'SWITCHBOARD_SECRET_KEY') return Buffer.alloc(32, 7).toString('base64');
  const value = secretTemplate.stringData?.[key];
  if (value === undefined) throw new Error(`secret key ${key} is not in k8s/base/secret.template.yaml`);
  return value;
}

/** The environment a container gets, as the kubelet would assemble it (env overrides envFrom). */
function containerEnv(objects: Obj[], container: any): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const cm = find(objects, 'ConfigMap', from.configMapRef?.name);
    if (!cm) throw new Error(`envFrom ConfigMap ${from.configMapRef?.name} does not exist`);
    Object.assign(env, cm.data);
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef) {
      if (e.valueFrom.secretKeyRef.name !== secretTemplate.metadata.name) throw new Error(`${e.name}: unknown Secret ${e.valueFrom.secretKeyRef.name}`);
      env[e.name] = secretValue(e.valueFrom.secretKeyRef.key);
    } else if (e.valueFrom?.configMapKeyRef) {
      const value = find(objects, 'ConfigMap', e.valueFrom.configMapKeyRef.name)?.data?.[e.valueFrom.configMapKeyRef.key];
      if (value === undefined) throw new Error(`${e.name}: ConfigMap key ${e.valueFrom.configMapKeyRef.key} does not exist`);
      env[e.name] = value;
    } else throw new Error(`${e.name}: unsupported env source`);
  }
  return env;
}

describe('k8s/base/secret.template.yaml', () => {
  it('is a valid Secret of placeholders, kept out of the kustomization', () => {
    new Secret(secretTemplate as never).validate();
    const credentials = Object.entries(secretTemplate.stringData!).filter(([key]) => /PASSWORD|KEY|TOKEN|_URL$/.test(key));
    expect(credentials.length).toBeGreaterThanOrEqual(7);
    for (const [, value] of credentials) expect(value).toContain('REPLACE_ME');
    expect(readFileSync(`${root}k8s/base/kustomization.yaml`, 'utf8')).not.toMatch(/^\s*-\s*secret\.template\.yaml/m);
    expect(readFileSync(`${root}k8s/base/secret.template.yaml`, 'utf8')).toMatch(/external secret store/i);
  });
});

describe.each(renders)('k8s/%s', (_name, objects) => {
  const deployments = objects.filter((o) => o.kind === 'Deployment');

  it('validates every object against the Kubernetes and KEDA API schemas', () => {
    expect(objects.length).toBeGreaterThan(30);
    for (const o of objects) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      expect({ object: `${o.kind}/${o.metadata.name}`, known: Model !== undefined }).toEqual({ object: `${o.kind}/${o.metadata.name}`, known: true });
      expect(() => new Model!(o as never).validate()).not.toThrow();
    }
  });

  it('has one Deployment per service, running its entry point from the one image', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(Object.keys(APPS).sort());
    for (const d of deployments) {
      const [container, ...others] = podSpec(d).containers;
      expect(others).toEqual([]);
      expect(container.command).toEqual(['node', `services/${d.metadata.name}/src/main.ts`]);
      expect(existsSync(`${root}services/${d.metadata.name}/src/main.ts`)).toBe(true);
      expect(labelsMatch(d.spec.selector.matchLabels, d.spec.template.metadata.labels)).toBe(true);
    }
    expect(new Set(deployments.map((d) => podSpec(d).containers[0].image)).size).toBe(1);
  });

  it.each(Object.keys(APPS))('gives %s every variable its config schema requires, and a config that loads', (name) => {
    const d = find(objects, 'Deployment', name)!;
    const env = containerEnv(objects, podSpec(d).containers[0]);
    const shape = APPS[name]!;
    for (const key of requiredKeys(shape)) expect(Object.keys(env)).toContain(key);
    const config = loadConfig(shape, env) as { PORT: number } & Partial<BlobEnv>;
    // the blob store's own rule: BLOB_STORE=s3 needs the bucket and the key
    if ('BLOB_STORE' in shape) expect(() => blobStoreConfig(config as BlobEnv)).not.toThrow();
    expect(config.PORT).toBe(podSpec(d).containers[0].ports.find((p: any) => p.name === 'http').containerPort);
  });

  it('probes /readyz and /healthz on the port the service listens on', () => {
    for (const d of deployments) {
      const c = podSpec(d).containers[0];
      const port = (ref: string | number) => (typeof ref === 'number' ? ref : c.ports.find((p: any) => p.name === ref)?.containerPort);
      const listening = Number(c.env.find((e: any) => e.name === 'PORT').value);
      expect({ service: d.metadata.name, path: c.readinessProbe.httpGet.path, port: port(c.readinessProbe.httpGet.port) }).toEqual({ service: d.metadata.name, path: '/readyz', port: listening });
      expect({ service: d.metadata.name, path: c.livenessProbe.httpGet.path, port: port(c.livenessProbe.httpGet.port) }).toEqual({ service: d.metadata.name, path: '/healthz', port: listening });
      if (c.startupProbe) expect(port(c.startupProbe.httpGet.port)).toBe(listening);
    }
  });

  it('gives each pod longer than the shutdown deadline plus its preStop pause before SIGKILL', () => {
    expect(shutdownDeadlineS).toBeGreaterThan(0);
    for (const d of deployments) {
      const c = podSpec(d).containers[0];
      const preStop = c.lifecycle?.preStop?.exec?.command;
      const pause = preStop ? Number(preStop[1]) : 0;
      if (preStop) expect(preStop[0]).toBe('sleep');
      expect({ service: d.metadata.name, fits: podSpec(d).terminationGracePeriodSeconds > shutdownDeadlineS + pause }).toEqual({ service: d.metadata.name, fits: true });
    }
  });

  it('sets requests and limits, and runs non-root, read-only, without privileges', () => {
    for (const o of [...deployments, ...objects.filter((x) => x.kind === 'Job')]) {
      const spec = podSpec(o);
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of spec.containers) {
        expect(c.resources).toEqual({ requests: { cpu: expect.anything(), memory: expect.anything() }, limits: { cpu: expect.anything(), memory: expect.anything() } });
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      }
    }
  });

  it('covers every Deployment with a PodDisruptionBudget and a Service that selects it', () => {
    for (const d of deployments) {
      const labels = d.spec.template.metadata.labels;
      const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget' && labelsMatch(o.spec.selector.matchLabels, labels));
      expect({ service: d.metadata.name, pdbs: pdbs.length }).toEqual({ service: d.metadata.name, pdbs: 1 });
      const service = find(objects, 'Service', d.metadata.name)!;
      expect(labelsMatch(service.spec.selector, labels)).toBe(true);
      const ports = podSpec(d).containers[0].ports;
      for (const p of service.spec.ports) expect(ports.some((cp: any) => cp.name === p.targetPort || cp.containerPort === p.targetPort)).toBe(true);
    }
  });

  it('autoscales the API and the HTTP ingresses on CPU, router and egress on their queues, each target once', () => {
    const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
    const scaled = objects.filter((o) => o.kind === 'ScaledObject');
    const targets = [...hpas.map((h) => h.spec.scaleTargetRef.name), ...scaled.map((s) => s.spec.scaleTargetRef.name)];
    expect(targets.sort()).toEqual(['api', 'egress', 'ingress-meta', 'ingress-sms', 'ingress-telegram', 'ingress-webchat', 'ingress-whatsapp', 'router']);
    for (const name of targets) {
      const d = find(objects, 'Deployment', name)!;
      expect(d).toBeDefined();
      // an autoscaled Deployment leaves replicas to its autoscaler, or every apply would reset them
      expect({ name, replicas: d.spec.replicas }).toEqual({ name, replicas: undefined });
    }
    for (const h of hpas) expect(h.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it('scales router and egress on the BullMQ wait list of every queue they consume', () => {
    const prefix = find(objects, 'ConfigMap', 'switchboard-config')!.data!.QUEUE_PREFIX;
    for (const [service, queues] of Object.entries(CONSUMES)) {
      const so = find(objects, 'ScaledObject', service)!;
      const lists = so.spec.triggers.map((t: any) => {
        expect(t.type).toBe('redis');
        expect(Number(t.metadata.listLength)).toBeGreaterThan(0);
        const auth = find(objects, 'TriggerAuthentication', t.authenticationRef.name)!;
        for (const ref of auth.spec.secretTargetRef) expect(Object.keys(secretTemplate.stringData!)).toContain(ref.key);
        return t.metadata.listName;
      });
      // BullMQ keeps a queue's waiting jobs in the list `<prefix>:<queue>:wait`
      expect(lists.sort()).toEqual(queues.map((q) => `${prefix}:${q}:wait`).sort());
      for (const q of queues) expect(Object.keys(QUEUES)).toContain(q);
      expect(so.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    }
  });

  it('routes the API, the dashboard, every webhook path and the web chat to the services serving them', () => {
    const ingress = find(objects, 'Ingress', 'switchboard')!;
    const paths = ingress.spec.rules.flatMap((r: any) => r.http.paths);
    expect(Object.fromEntries(paths.map((p: any) => [p.path, p.backend.service.name]))).toEqual(ROUTES);
    for (const p of paths) {
      const service = find(objects, 'Service', p.backend.service.name)!;
      expect(service.spec.ports.map((sp: any) => sp.name)).toContain(p.backend.service.port.name);
    }
  });

  it('runs the migrations Job from the script with the database URL', () => {
    const job = find(objects, 'Job', 'switchboard-migrate')!;
    const c = podSpec(job).containers[0];
    expect(c.command).toEqual(['node', 'scripts/migrate.ts']);
    expect(existsSync(`${root}scripts/migrate.ts`)).toBe(true);
    expect(new URL(containerEnv(objects, c).DATABASE_URL!).protocol).toBe('postgres:');
    expect(c.image).toBe(podSpec(find(objects, 'Deployment', 'api')!).containers[0].image);
  });
});

describe('k8s/overlays/example', () => {
  const objects = renders[1]![1];

  it('pins the image, puts everything in its namespace, and serves its host over TLS', () => {
    for (const d of objects.filter((o) => o.kind === 'Deployment' || o.kind === 'Job')) {
      expect(podSpec(d).containers[0].image).toBe('registry.example.com/acme/switchboard:1.4.2');
    }
    for (const o of objects) if (o.kind !== 'Namespace') expect(o.metadata.namespace).toBe('switchboard');
    const ingress = find(objects, 'Ingress', 'switchboard')!;
    expect(ingress.spec.rules.map((r: any) => r.host)).toEqual(['support.acme.example']);
    expect(ingress.spec.tls[0].hosts).toEqual(['support.acme.example']);
    const config = find(objects, 'ConfigMap', 'switchboard-config')!.data!;
    for (const key of ['TELEGRAM_WEBHOOK_BASE_URL', 'WEBCHAT_BASE_URL', 'WHATSAPP_WEBHOOK_BASE_URL', 'META_WEBHOOK_BASE_URL', 'SMS_WEBHOOK_BASE_URL']) {
      expect(new URL(config[key]!).host).toBe('support.acme.example');
    }
  });

  it('exposes the SMTP receiver of ingress-email on the port it listens on, keeping the base environment', () => {
    const d = find(objects, 'Deployment', 'ingress-email')!;
    const c = podSpec(d).containers[0];
    const env = containerEnv(objects, c);
    const config = loadConfig(ingressEmailEnv, env);
    expect(config.EMAIL_SMTP_PORT).toBe(c.ports.find((p: any) => p.name === 'smtp').containerPort);
    expect(env.SWITCHBOARD_SECRET_KEY).toBeDefined();
    const smtp = find(objects, 'Service', 'ingress-email-smtp')!;
    expect(smtp.spec.type).toBe('LoadBalancer');
    expect(labelsMatch(smtp.spec.selector, d.spec.template.metadata.labels)).toBe(true);
    expect(smtp.spec.ports[0].targetPort).toBe('smtp');
  });
});
