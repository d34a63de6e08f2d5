import { createHash } from 'node:crypto';
import pg from 'pg';
import { loadMigrations, migrate } from '@switchboard/db';
import { resolveTestInfra, withDatabase } from './infra.ts';

/**
 * Runs once per `jest` run: finds PostgreSQL and Redis, and builds a migrated template
 * database that every test file clones (CREATE DATABASE ... TEMPLATE is much faster than
 * migrating each time). The template's name carries a hash of the migrations, so a changed
 * migration builds a new template instead of reusing a stale one.
 */
export default async function globalSetup(): Promise<void> {
  const infra = await resolveTestInfra();
  const migrations = await loadMigrations();
  const hash = createHash('sha256').update(migrations.map((m) => m.version + m.sql).join('\n')).digest('hex').slice(0, 12);
  const template = `sb_template_${hash}`;

  const admin = new pg.Client({ connectionString: infra.postgresAdminUrl });
  await admin.connect();
  try {
    await admin.query('select pg_advisory_lock(hashtext($1))', ['switchboard-test-template']);
    const exists = await admin.query('select 1 from pg_database where datname = $1', [template]);
    if (!exists.rowCount) {
      const building = `${template}_building`;
      await admin.query(`drop database if exists ${building}`);
      await admin.query(`create database ${building}`);
      await migrate(withDatabase(infra.postgresAdminUrl, building));
      await admin.query(`alter database ${building} rename to ${template}`);
    }
    await admin.query('select pg_advisory_unlock(hashtext($1))', ['switchboard-test-template']);
  } finally {
    await admin.end();
  }

  process.env.SB_TEST_POSTGRES_ADMIN_URL = infra.postgresAdminUrl;
  process.env.SB_TEST_TEMPLATE_DB = template;
  process.env.SB_TEST_REDIS_URL = infra.redisUrl;
  (globalThis as { __sbInfraStop?: () => Promise<void> }).__sbInfraStop = infra.stop;
}
