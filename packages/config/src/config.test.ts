import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { blobEnv, blobStoreConfig, ConfigError, databaseEnv, httpEnv, loadConfig, requiredKeys, secretKeyEnv } from './index.ts';

const shape = { ...databaseEnv, ...httpEnv(3000), ...secretKeyEnv, EXTRA: z.string().optional() };

describe('loadConfig', () => {
  it('applies defaults and coerces numbers', () => {
    const config = loadConfig(shape, { SWITCHBOARD_SECRET_KEY: Buffer.alloc(32, 1).toString('base64'), PORT: '8080' });
    expect(config).toMatchObject({ PORT: 8080, HOST: '0.0.0.0', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/switchboard' });
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig(shape, { PORT: 'eighty', DATABASE_URL: 'not a url', SWITCHBOARD_SECRET_KEY: 'short' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['PORT', 'DATABASE_URL', 'SWITCHBOARD_SECRET_KEY']) expect(message).toContain(name);
  });

  it('treats an empty variable as unset', () => {
    expect(() => loadConfig(shape, { SWITCHBOARD_SECRET_KEY: '' })).toThrow(/SWITCHBOARD_SECRET_KEY is required/);
  });

  it('lists the variables without a default', () => {
    expect(requiredKeys(shape)).toEqual(['SWITCHBOARD_SECRET_KEY']);
  });
});

describe('blobStoreConfig', () => {
  const s3 = { BLOB_STORE: 's3', S3_BUCKET: 'attachments', S3_ACCESS_KEY_ID: 'AKIA', S3_SECRET_ACCESS_KEY: 'secret' };

  it('keeps a local volume by default and needs no S3 variable for it', () => {
    expect(requiredKeys(blobEnv)).toEqual([]);
    expect(blobStoreConfig(loadConfig(blobEnv, {}))).toEqual({ kind: 'local', dir: '.switchboard/blobs', maxBytes: 20 * 1024 * 1024 });
  });

  it('builds an S3 store on AWS with virtual-hosted addressing when no endpoint is set', () => {
    expect(blobStoreConfig(loadConfig(blobEnv, s3))).toEqual({
      kind: 's3', maxBytes: 20 * 1024 * 1024, bucket: 'attachments', region: 'us-east-1',
      forcePathStyle: false, accessKeyId: 'AKIA', secretAccessKey: 'secret', prefix: '',
    });
  });

  it('uses path-style addressing for a custom endpoint unless told otherwise', () => {
    const env = { ...s3, S3_ENDPOINT: 'http://127.0.0.1:9000', S3_REGION: 'ru-central1', S3_PREFIX: 'sb/' };
    expect(blobStoreConfig(loadConfig(blobEnv, env))).toMatchObject({ endpoint: 'http://127.0.0.1:9000', region: 'ru-central1', forcePathStyle: true, prefix: 'sb/' });
    expect(blobStoreConfig(loadConfig(blobEnv, { ...env, S3_FORCE_PATH_STYLE: 'false' }))).toMatchObject({ forcePathStyle: false });
  });

  it('names every S3 variable that BLOB_STORE=s3 lacks', () => {
    const config = loadConfig(blobEnv, { BLOB_STORE: 's3', S3_ACCESS_KEY_ID: 'AKIA' });
    expect(() => blobStoreConfig(config)).toThrow(ConfigError);
    expect(() => blobStoreConfig(config)).toThrow(/S3_BUCKET is required when BLOB_STORE=s3[^]*S3_SECRET_ACCESS_KEY is required/);
  });

  it('names malformed blob variables', () => {
    let error: unknown;
    try {
      loadConfig(blobEnv, { BLOB_STORE: 'gcs', S3_ENDPOINT: 'minio:9000', S3_FORCE_PATH_STYLE: 'maybe', S3_PREFIX: '/abs' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    for (const name of ['BLOB_STORE', 'S3_ENDPOINT', 'S3_FORCE_PATH_STYLE', 'S3_PREFIX']) expect((error as ConfigError).message).toContain(name);
  });
});
