import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { withDatabase } from '@switchboard/testkit';
import { ensureDatabase, loadMigrations, migrate } from './migrate.ts';

const admin = process.env.SB_TEST_POSTGRES_ADMIN_URL!;
const name = `sb_migrate_${randomBytes(5).toString('hex')}`;
const url = withDatabase(admin, name);

afterAll(async () => {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`drop database if exists ${name} with (force)`);
  await c.end();
});

describe('migrations', () => {
  it('creates a missing database once, then applies every migration once even with concurrent runners', async () => {
    expect(await ensureDatabase(url)).toBe(true);
    expect(await ensureDatabase(url)).toBe(false);
    const runs = await Promise.all([migrate(url), migrate(url), migrate(url)]);
    const all = (await loadMigrations()).map((m) => m.version);
    expect(runs.flat().sort()).toEqual(all);
    expect(await migrate(url)).toEqual([]);

    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const { rows } = await c.query(`select version from schema_migrations order by version`);
    await c.end();
    expect(rows.map((r) => r.version)).toEqual(all);
  });
});
