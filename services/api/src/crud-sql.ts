import type { Queryable } from '@switchboard/db';

/**
 * Plain CRUD over tables whose API fields map one to one onto columns (routing rules,
 * business hours, SLA policies, a queue's settings). Column names come from these constant
 * maps, never from the request, so building the SQL from them is safe.
 */
export interface Table {
  name: string;
  /** API field → column. */
  columns: Record<string, string>;
  /** Fields stored as jsonb: node-pg would send a JS array as a PostgreSQL array, so they are sent as JSON text. */
  json?: readonly string[];
  /** Extra fields selected as-is (id, created_at). */
  extra?: string;
  orderBy?: string;
}

const selectList = (t: Table) =>
  [t.extra ?? 'id, created_at as "createdAt"', ...Object.entries(t.columns).map(([field, column]) => `${column} as "${field}"`)].join(', ');

function encode(t: Table, field: string, value: unknown): unknown {
  return t.json?.includes(field) ? JSON.stringify(value) : value;
}

function known(t: Table, values: Record<string, unknown>): [string, unknown][] {
  return Object.entries(values).filter(([field, value]) => field in t.columns && value !== undefined);
}

export async function insertRow<T>(db: Queryable, t: Table, values: Record<string, unknown>): Promise<T> {
  const entries = known(t, values);
  const { rows } = await db.query(
    `insert into ${t.name}(${entries.map(([f]) => t.columns[f]).join(', ')})
     values (${entries.map((_, i) => `$${i + 1}`).join(', ')}) returning ${selectList(t)}`,
    entries.map(([f, v]) => encode(t, f, v)),
  );
  return rows[0] as T;
}

/** Updates the given fields (none: just reads the row); undefined when there is no such row. */
export async function updateRow<T>(db: Queryable, t: Table, id: string, patch: Record<string, unknown>): Promise<T | undefined> {
  const entries = known(t, patch);
  if (!entries.length) return getRow<T>(db, t, id);
  const { rows } = await db.query(
    `update ${t.name} set ${entries.map(([f], i) => `${t.columns[f]} = $${i + 2}`).join(', ')} where id = $1 returning ${selectList(t)}`,
    [id, ...entries.map(([f, v]) => encode(t, f, v))],
  );
  return rows[0] as T | undefined;
}

/**
 * `lock` serialises changes to the row without blocking foreign keys to it (an offer inserted
 * for the queue takes KEY SHARE on it while the dispatcher holds conversation rows).
 */
export async function getRow<T>(db: Queryable, t: Table, id: string, options: { lock?: boolean } = {}): Promise<T | undefined> {
  const { rows } = await db.query(`select ${selectList(t)} from ${t.name} where id = $1${options.lock ? ' for no key update' : ''}`, [id]);
  return rows[0] as T | undefined;
}

export async function listRows<T>(db: Queryable, t: Table): Promise<T[]> {
  const { rows } = await db.query(`select ${selectList(t)} from ${t.name} order by ${t.orderBy ?? 'created_at, id'}`);
  return rows as T[];
}

export async function deleteRow(db: Queryable, t: Table, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`delete from ${t.name} where id = $1`, [id]);
  return rowCount === 1;
}

/** The ids among `ids` with no row in `table` (a constant name). */
export async function missingIds(db: Queryable, table: 'queues' | 'business_hours' | 'sla_policies' | 'agents' | 'inboxes', ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const { rows } = await db.query<{ id: string }>(`select i.id::text as id from unnest($1::uuid[]) as i(id) where not exists (select 1 from ${table} t where t.id = i.id)`, [ids]);
  return rows.map((r) => r.id);
}

/** True for a foreign-key violation: the row is still referenced. */
export function isForeignKeyViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === '23503';
}
