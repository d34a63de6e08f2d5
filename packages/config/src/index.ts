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

/**
 * Attachment storage (ingress-email writes, the API serves): a local volume by default, or an
 * S3-compatible bucket. The S3_* variables are optional here because a field cannot see its
 * neighbours: `blobStoreConfig` checks the ones BLOB_STORE=s3 needs.
 */
export const blobEnv = {
  BLOB_STORE: z.enum(['local', 's3']).default('local'),
  BLOB_DIR: z.string().min(1).default('.switchboard/blobs'),
  /** Larger attachments are kept as metadata only (the mail is still accepted). */
  BLOB_MAX_BYTES: z.coerce.number().int().min(1).default(20 * 1024 * 1024),
  /** Unset: AWS S3 itself. Set for MinIO, Ceph RGW, Garage, Yandex Object Storage, Selectel… */
  S3_ENDPOINT: z.string().refine((v) => /^https?:\/\//.test(v) && URL.canParse(v), { message: 'must be an http(s):// URL' }).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_BUCKET: z.string().min(1).optional(),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** `bucket` in the path rather than the host name; defaults to true when S3_ENDPOINT is set. */
  S3_FORCE_PATH_STYLE: z.stringbool({ error: 'must be true or false' }).optional(),
  /** Prepended to every object key, e.g. `switchboard/attachments/`. */
  S3_PREFIX: z.string().regex(/^[^/]/, 'must not start with /').optional(),
};

export type BlobEnv = z.infer<z.ZodObject<typeof blobEnv>>;

export type BlobStoreConfig =
  | { kind: 'local'; dir: string; maxBytes: number }
  | {
    kind: 's3';
    maxBytes: number;
    bucket: string;
    region: string;
    endpoint?: string;
    forcePathStyle: boolean;
    accessKeyId: string;
    secretAccessKey: string;
    prefix: string;
  };

/** The blob store `env` selects; throws a ConfigError naming each S3_* variable BLOB_STORE=s3 lacks. */
export function blobStoreConfig(env: BlobEnv): BlobStoreConfig {
  if (env.BLOB_STORE === 'local') return { kind: 'local', dir: env.BLOB_DIR, maxBytes: env.BLOB_MAX_BYTES };
  const required = ['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const;
  const missing = required.filter((name) => !env[name]);
  if (missing.length > 0) throw new ConfigError(missing.map((name) => `${name} is required when BLOB_STORE=s3`));
  return {
    kind: 's3',
    maxBytes: env.BLOB_MAX_BYTES,
    bucket: env.S3_BUCKET!,
    region: env.S3_REGION,
    ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}),
    forcePathStyle: env.S3_FORCE_PATH_STYLE ?? env.S3_ENDPOINT !== undefined,
    accessKeyId: env.S3_ACCESS_KEY_ID!,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY!,
    prefix: env.S3_PREFIX ?? '',
  };
}

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
