import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { loadConfig, requiredKeys } from '@switchboard/config';
import { createMetrics } from '@switchboard/runtime';
import { SERVICE_ENVS } from './service-envs.ts';

// No Docker engine runs in CI, so the compose file is checked against the code instead:
// a renamed variable or a moved entry point fails here rather than at an operator's `up`.
const root = fileURLToPath(new URL('../../', import.meta.url));
const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'), { merge: true }) as {
  services: Record<string, { command?: string[]; ports?: string[]; environment?: Record<string, string>; healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }> | string[]; restart?: string; profiles?: string[]; container_name?: string; volumes?: string[] }>;
};

const APPS = SERVICE_ENVS;

/** What `${VAR:?msg}` / `${VAR:-default}` would become with the operator's variables set. */
function interpolate(value: string): string {
  return value.replace(/\$\{(\w+)(?::[?-]([^}]*))?\}/g, (_m, name: string, fallback?: string) => {
    if (name === 'SWITCHBOARD_SECRET_KEY') return Buffer.alloc(32, 7).toString('base64');
    if (name === 'SWITCHBOARD_ADMIN_TOKEN') return 'x'.repeat(40);
    return fallback ?? '';
  });
}

describe('docker-compose.yml', () => {
  it.each(Object.keys(APPS))('runs %s from its entry point with the environment its config schema needs', (name) => {
    const service = compose.services[name]!;
    expect(service).toBeDefined();
    expect(service.command).toEqual(['node', `services/${name}/src/main.ts`]);
    expect(existsSync(`${root}services/${name}/src/main.ts`)).toBe(true);

    const shape = APPS[name]!;
    const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));
    for (const key of requiredKeys(shape)) expect(Object.keys(env)).toContain(key);
    for (const key of Object.keys(env)) expect(Object.keys(shape)).toContain(key);
    const config = loadConfig(shape, env) as { PORT: number };

    const healthUrl = service.healthcheck?.test.join(' ') ?? '';
    expect(healthUrl).toContain(`http://127.0.0.1:${config.PORT}/readyz`);
    for (const mapping of service.ports ?? []) expect(mapping.split(':').at(-1)).toBe(String(config.PORT));
    expect(service.restart).toBe('unless-stopped');
    expect((service.depends_on as Record<string, { condition: string }>)?.migrate?.condition).toBe('service_completed_successfully');
  });

  it('runs migrations once before the services, from a script that exists', () => {
    const migrate = compose.services.migrate!;
    expect(migrate.command).toEqual(['node', 'scripts/migrate.ts']);
    expect(existsSync(`${root}scripts/migrate.ts`)).toBe(true);
    expect((migrate.depends_on as Record<string, { condition: string }>)?.postgres?.condition).toBe('service_healthy');
  });

  it('keeps Redis durable and never evicting queue keys', () => {
    const command = compose.services.redis!.command!.join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
    // fsync once a second by default; `always` is the operator's choice (docs/reliability.md)
    expect(interpolate(command)).toContain('--appendfsync everysec');
    expect(compose.services.redis!.healthcheck).toBeDefined();
    expect(compose.services.postgres!.healthcheck).toBeDefined();
  });

  it('uses the database and Redis services by name', () => {
    for (const name of Object.keys(APPS)) {
      const env = compose.services[name]!.environment!;
      expect(new URL(env.DATABASE_URL!).hostname).toBe('postgres');
      expect(new URL(env.REDIS_URL!).hostname).toBe('redis');
    }
  });
});

describe('docker compose --scale router=3 --scale egress=2', () => {
  it('pins no container name, and router and egress publish no host port a second replica would fight over', () => {
    for (const [name, service] of Object.entries(compose.services)) expect({ name, container_name: service.container_name }).toEqual({ name, container_name: undefined });
    expect(compose.services.router!.ports).toBeUndefined();
    expect(compose.services.egress!.ports).toBeUndefined();
  });
});

/** Metric names the services export (issue 9's agreed list); the router's own come from its source. */
const AGREED_METRICS = [
  'http_request_duration_seconds',
  'switchboard_webhooks_total',
  'switchboard_queue_jobs',
  'switchboard_job_wait_seconds',
  'switchboard_job_duration_seconds',
  'switchboard_inbound_latency_seconds',
  'switchboard_egress_send_duration_seconds',
  'switchboard_egress_sends_total',
];
const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** The metric names a PromQL expression selects (functions, label matchers, ranges and groupings removed). */
function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = [...stripped.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g)]
    .filter((m) => !m[2] && !PROMQL_WORDS.has(m[1]!.toLowerCase()))
    .map((m) => m[1]!);
  return [...new Set(names)];
}

describe('the monitoring profile', () => {
  const monitoring = `${root}deploy/monitoring/`;
  const prometheus = parse(readFileSync(`${monitoring}prometheus.yml`, 'utf8')) as {
    scrape_configs: { job_name: string; metrics_path?: string; dns_sd_configs?: { names: string[]; type: string; port: number }[] }[];
  };
  const dashboard = JSON.parse(readFileSync(`${monitoring}grafana/dashboards/switchboard.json`, 'utf8')) as {
    uid: string;
    panels: { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string }[] }[];
  };
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

  it('runs Prometheus and Grafana only under the monitoring profile, from files that exist', () => {
    for (const name of ['prometheus', 'grafana']) {
      expect(compose.services[name]!.profiles).toEqual(['monitoring']);
      for (const mount of compose.services[name]!.volumes ?? []) {
        const source = mount.split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(`${root}${source.slice(2)}`)).toBe(true);
      }
    }
    for (const name of Object.keys(APPS)) expect(compose.services[name]!.profiles).toBeUndefined();
  });

  it('scrapes every replica of every service by its compose DNS name on the port it listens on', () => {
    const jobs = new Map(prometheus.scrape_configs.map((j) => [j.job_name, j]));
    for (const [name, shape] of Object.entries(APPS)) {
      const env = Object.fromEntries(Object.entries(compose.services[name]!.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));
      const { PORT } = loadConfig(shape, env) as { PORT: number };
      const job = jobs.get(name);
      expect(job?.metrics_path ?? '/metrics').toBe('/metrics');
      expect(job?.dns_sd_configs).toEqual([expect.objectContaining({ names: [name], type: 'A', port: PORT })]);
    }
  });

  it('provisions the Prometheus datasource the dashboard panels use', () => {
    const datasources = parse(readFileSync(`${monitoring}grafana/provisioning/datasources/prometheus.yml`, 'utf8')) as { datasources: { uid: string; type: string; url: string }[] };
    const [source] = datasources.datasources;
    expect(source).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    const providers = parse(readFileSync(`${monitoring}grafana/provisioning/dashboards/switchboard.yml`, 'utf8')) as { providers: { options: { path: string } }[] };
    const mount = compose.services.grafana!.volumes!.find((v) => v.startsWith('./deploy/monitoring/grafana/dashboards:'))!;
    expect(mount.split(':')[1]).toBe(providers.providers[0]!.options.path);
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) expect(panel.datasource?.uid).toBe(source!.uid);
  });

  it('queries only metrics the services export, and shows every agreed one', () => {
    const routerSource = ['metrics.ts', 'metrics-gauges.ts'].map((f) => readFileSync(`${root}services/router/src/${f}`, 'utf8')).join('\n');
    const routerMetrics = [...routerSource.matchAll(/(?:name: |gauge\(|counter\()'(switchboard_\w+)'/g)].map((m) => m[1]!);
    expect(routerMetrics).toEqual(expect.arrayContaining(['switchboard_queue_waiting', 'switchboard_queue_longest_wait_seconds', 'switchboard_agents', 'switchboard_offers_total', 'switchboard_sla_breaches_total']));
    const processMetrics = createMetrics('dashboard-test').getMetricsAsArray().map((m) => m.name);
    const known = new Set([...AGREED_METRICS, ...routerMetrics, ...processMetrics]);
    const base = (name: string) => name.replace(/_(bucket|sum|count)$/, '');

    expect(exprs.length).toBeGreaterThanOrEqual(15);
    const used = new Set<string>();
    for (const { panel, expr } of exprs) {
      const names = promqlMetricNames(expr);
      expect({ panel, names: names.length > 0 }).toEqual({ panel, names: true });
      for (const name of names) {
        expect({ panel, metric: name, known: known.has(name) || known.has(base(name)) }).toEqual({ panel, metric: name, known: true });
        used.add(known.has(name) ? name : base(name));
      }
    }
    for (const name of [...AGREED_METRICS, 'switchboard_queue_waiting', 'switchboard_queue_longest_wait_seconds', 'switchboard_agents', 'switchboard_offers_total', 'switchboard_sla_breaches_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds']) {
      expect(used).toContain(name);
    }
  });

  it('the support figures dashboard queries only metrics the services export, and shows every support figure', () => {
    const dashboards = `${monitoring}grafana/dashboards/`;
    // every dashboard Grafana provisions is one checked here
    expect(readdirSync(dashboards).filter((f) => f.endsWith('.json')).sort()).toEqual(['support.json', 'switchboard.json']);
    const support = JSON.parse(readFileSync(`${dashboards}support.json`, 'utf8')) as typeof dashboard;
    expect(support.uid).not.toBe(dashboard.uid);
    for (const panel of support.panels.filter((p) => p.type !== 'row')) expect({ panel: panel.title, uid: panel.datasource?.uid }).toEqual({ panel: panel.title, uid: 'prometheus' });

    const supportSource = readFileSync(`${root}packages/runtime/src/support-metrics.ts`, 'utf8');
    const supportMetrics = [...supportSource.matchAll(/name: '(switchboard_\w+)'/g)].map((m) => m[1]!);
    expect(supportMetrics).toHaveLength(5);
    const routerSource = ['metrics.ts', 'metrics-gauges.ts'].map((f) => readFileSync(`${root}services/router/src/${f}`, 'utf8')).join('\n');
    const routerMetrics = [...routerSource.matchAll(/(?:name: |gauge\(|counter\()'(switchboard_\w+)'/g)].map((m) => m[1]!);
    const known = new Set([...AGREED_METRICS, ...routerMetrics, ...supportMetrics]);
    const base = (name: string) => name.replace(/_(bucket|sum|count)$/, '');
    const used = new Set<string>();
    for (const panel of support.panels) {
      for (const { expr } of panel.targets ?? []) {
        const names = promqlMetricNames(expr);
        expect({ panel: panel.title, names: names.length > 0 }).toEqual({ panel: panel.title, names: true });
        for (const name of names) {
          expect({ panel: panel.title, metric: name, known: known.has(name) || known.has(base(name)) }).toEqual({ panel: panel.title, metric: name, known: true });
          used.add(known.has(name) ? name : base(name));
        }
      }
    }
    expect([...used].sort()).toEqual([...supportMetrics, 'switchboard_sla_breaches_total'].sort());
  });

  it('reads metric names out of PromQL the way Prometheus does', () => {
    expect(promqlMetricNames('histogram_quantile(0.99, sum by (route, le) (rate(http_request_duration_seconds_bucket{status_code=~"5.."}[$__rate_interval])))'))
      .toEqual(['http_request_duration_seconds_bucket']);
    expect(promqlMetricNames('max by (queue) (switchboard_queue_waiting) * on (queue) group_left (name) max by (queue, name) (switchboard_queue_info)'))
      .toEqual(['switchboard_queue_waiting', 'switchboard_queue_info']);
    expect(promqlMetricNames('sum(rate(made_up_total[5m])) / 2')).toEqual(['made_up_total']);
  });
});
