import { describe, expect, it } from '@jest/globals';
import { resolveTestInfra } from './infra.ts';

describe('resolveTestInfra', () => {
  it('uses servers that answer', async () => {
    const infra = await resolveTestInfra({ TEST_DATABASE_URL: process.env.SB_TEST_POSTGRES_ADMIN_URL, TEST_REDIS_URL: process.env.SB_TEST_REDIS_URL });
    expect(infra.postgresAdminUrl).toMatch(/\/postgres$/);
    expect(infra.stop).toBeUndefined();
  });

  it('says in one sentence what to start when nothing answers and there is no Docker engine', async () => {
    const attempt = resolveTestInfra(
      { TEST_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x', TEST_REDIS_URL: 'redis://127.0.0.1:2' },
      { dockerAvailable: () => false },
    );
    await expect(attempt).rejects.toThrow(
      'Tests need PostgreSQL at postgres://postgres@127.0.0.1:1/x and Redis at redis://127.0.0.1:2: start it (or set TEST_DATABASE_URL / TEST_REDIS_URL), or run a Docker engine so testcontainers can start one.',
    );
  });
});
