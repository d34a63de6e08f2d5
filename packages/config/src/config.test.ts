import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { ConfigError, databaseEnv, httpEnv, loadConfig, requiredKeys, secretKeyEnv } from './index.ts';

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
