import { describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startPrivatePostgres, startPrivateRedis } from './private-servers.ts';

describe('private servers for fault tests', () => {
  it('a Redis with AOF keeps what it acknowledged across a restart', async () => {
    const redis = await startPrivateRedis({ appendfsync: 'always' });
    try {
      const client = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: true });
      await client.connect();
      await client.set('durable', 'yes');
      client.disconnect();
      await redis.kill();
      await redis.start();
      const again = new Redis(redis.url, { lazyConnect: true });
      await again.connect();
      expect(await again.get('durable')).toBe('yes');
      again.disconnect();
    } finally {
      await redis.stop();
    }
  });

  it('a PostgreSQL that can be stopped and started again with its data', async () => {
    const server = await startPrivatePostgres();
    try {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      await client.query('create table t (v int); insert into t values (42)');
      await client.end();
      await server.stopServer();
      const refused = new pg.Client({ connectionString: server.url });
      await expect(refused.connect()).rejects.toThrow();
      await server.startServer();
      const back = new pg.Client({ connectionString: server.url });
      await back.connect();
      expect((await back.query('select v from t')).rows).toEqual([{ v: 42 }]);
      await back.end();
    } finally {
      await server.stop();
    }
  }, 60_000);
});
