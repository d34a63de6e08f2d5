/**
 * Creates the database if needed and applies pending migrations. Run by `pnpm start`, by the
 * `migrate` service in docker-compose, and by the Kubernetes migration Job.
 */
import { DEFAULT_DATABASE_URL } from '@switchboard/config';
import { ensureDatabase, migrate } from '@switchboard/db';

export async function prepareDatabase(url: string, log: (line: string) => void = console.log): Promise<void> {
  if (await ensureDatabase(url)) log(`created database ${new URL(url).pathname.slice(1)}`);
  const applied = await migrate(url);
  log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');
}

if (import.meta.main) {
  prepareDatabase(process.env.DATABASE_URL || DEFAULT_DATABASE_URL).catch((error: Error) => {
    console.error(`migration failed: ${error.message}`);
    process.exit(1);
  });
}
