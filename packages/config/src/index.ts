import { z } from 'zod';

/**
 * Environment parsing: each service composes the fragments it needs into one zod
 * object and parses `process.env` once, at boot, in its main.ts.
 */

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/switchboard';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

const url = (what: string) =>
  z.string().refine((v) => URL.canParse(v), { message: `must be a ${what} URL` });

export const databaseEnv = {
  DATABASE_URL: url('postgres://').default(DEFAULT_DATABASE_URL),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
};

export const redisEnv = {
  REDIS_URL: url('redis://').default(DEFAULT_REDIS_URL),
  /** Prefix of every BullMQ key; lets several installs share one Redis. No ':' allowed. */
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').default('sb'),
};

export const httpEnv = (defaultPort: number) => ({
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(defaultPort),
});

/** Attachment storage on a local volume (ingress-email writes, the API serves). */
export const blobEnv = {
  BLOB_DIR: z.string().min(1).default('.switchboard/blobs'),
  /** Larger attachments are kept as metadata only (the mail is still accepted). */
  BLOB_MAX_BYTES: z.coerce.number().int().min(1).default(20 * 1024 * 1024),
};

export const logEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

/** 32 bytes, base64 or hex: encrypts channel secrets (bot tokens, passwords) at rest. */
export const secretKeyEnv = {
  SWITCHBOARD_SECRET_KEY: z
    .string({ error: 'is required: 32 random bytes as base64 or hex (e.g. `openssl rand -base64 32`)' })
    .refine((v) => decodeKey(v) !== undefined, {
      message: 'must be 32 bytes encoded as base64 (44 chars) or hex (64 chars)',
    }),
};

export function decodeKey(value: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  const b = Buffer.from(value, 'base64');
  return b.length === 32 ? b : undefined;
}

export class ConfigError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Parses the environment with `schema`; throws one ConfigError naming every bad variable. */
export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<z.ZodObject<S>> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = z.object(shape).safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(env)'} ${i.message}`));
  }
  return result.data;
}

/** Names of the variables a shape cannot do without (no default, not optional). */
export function requiredKeys(shape: z.ZodRawShape): string[] {
  return Object.entries(shape)
    .filter(([, schema]) => !(schema as z.ZodType).safeParse(undefined).success)
    .map(([key]) => key);
}
