import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that can run a query: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

// bigint columns (bigserial ids, sequence numbers) fit comfortably in a JS number here;
// keep them as strings anyway so an id never silently loses precision.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

export function createPool(options: { connectionString: string; max?: number; applicationName?: string }): Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'switchboard',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (PostgreSQL restart) must not crash the process.
  pool.on('error', () => {});
  // pg-pool drops its idle listener while a client is checked out: a connection cut between two
  // queries (PostgreSQL restart, 57P01) would emit an unhandled 'error' and kill the process. The
  // next query on that client fails instead, and the pool discards it on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** Runs `fn` in a transaction; rolls back on any throw. No network I/O belongs inside `fn`. */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** True when PostgreSQL answers a trivial query within the pool's connect timeout. */
export async function isDatabaseReady(pool: Pool): Promise<boolean> {
  try {
    await pool.query('select 1');
    return true;
  } catch {
    return false;
  }
}
