import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@switchboard/testkit';
import { createPool, type Pool } from './pool.ts';

let db: TestDatabase;
let pool: Pool;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool({ connectionString: db.url, max: 2, applicationName: 'pool-test' });
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

describe('createPool', () => {
  it('survives a checked-out connection being cut between two queries (a PostgreSQL restart), found by the fault suite', async () => {
    const client = await pool.connect();
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    // what a restart does to every session: without a listener this 'error' event would kill the process
    await db.pool.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(client.query('select 1')).rejects.toThrow();
    client.release(true);
    expect((await pool.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });
});
