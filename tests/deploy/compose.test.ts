import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import type { z } from 'zod';
import { loadConfig, requiredKeys } from '@switchboard/config';
import { apiEnv } from '@switchboard/api';
import { egressEnv } from '@switchboard/egress';
import { ingressEmailEnv } from '@switchboard/ingress-email';
import { ingressTelegramEnv } from '@switchboard/ingress-telegram';
import { ingressWebchatEnv } from '@switchboard/ingress-webchat';
import { routerEnv } from '@switchboard/router';
import { ingressMetaEnv } from '@switchboard/ingress-meta';
import { ingressSmsEnv } from '@switchboard/ingress-sms';
import { ingressWhatsAppEnv } from '@switchboard/ingress-whatsapp';

// No Docker engine runs in CI, so the compose file is checked against the code instead:
// a renamed variable or a moved entry point fails here rather than at an operator's `up`.
const root = fileURLToPath(new URL('../../', import.meta.url));
const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'), { merge: true }) as {
  services: Record<string, { command?: string[]; ports?: string[]; environment?: Record<string, string>; healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }>; restart?: string }>;
};

const APPS: Record<string, z.ZodRawShape> = {
  api: apiEnv,
  'ingress-telegram': ingressTelegramEnv,
  'ingress-webchat': ingressWebchatEnv,
  'ingress-email': ingressEmailEnv,
  'ingress-whatsapp': ingressWhatsAppEnv,
  'ingress-meta': ingressMetaEnv,
  'ingress-sms': ingressSmsEnv,
  router: routerEnv,
  egress: egressEnv,
};

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
    expect(service.depends_on?.migrate?.condition).toBe('service_completed_successfully');
  });

  it('runs migrations once before the services, from a script that exists', () => {
    const migrate = compose.services.migrate!;
    expect(migrate.command).toEqual(['node', 'scripts/migrate.ts']);
    expect(existsSync(`${root}scripts/migrate.ts`)).toBe(true);
    expect(migrate.depends_on?.postgres?.condition).toBe('service_healthy');
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
