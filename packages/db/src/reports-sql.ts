import { DIMENSION_COLUMN, type ReportDimension, type ReportRequest } from '@switchboard/reports';

/**
 * Builds the grouped SQL of a report from fixed pieces: the source's FROM clause and columns
 * are written here, the request only picks dimension names from the allow-list, and every value
 * travels as a parameter ($1 from, $2 to, $3 time zone, $4–$8 filters, $9… the report's own).
 */

/** Where a source keeps what the entity dimensions and filters read. */
export interface ReportSource {
  from: string;
  /** The instant the range and the time dimensions read. */
  at: string;
  channel: string;
  inbox: string;
  queue: string;
  agent: string;
  country: string;
  /** Fixed conditions of the source (no values). */
  where?: string;
}

function dimensionSql(source: ReportSource, dim: ReportDimension): string {
  const local = `(${source.at} at time zone $3)`;
  switch (dim) {
    case 'day':
      return `to_char(${local}, 'YYYY-MM-DD')`;
    case 'hour':
      return `to_char(${local}, 'YYYY-MM-DD"T"HH24:00')`;
    case 'hourOfDay':
      return `extract(hour from ${local})::int`;
    default:
      return source[dim];
  }
}

export interface GroupedQuery {
  text: string;
  values: unknown[];
}

/** Extra grouping columns a report always has (e.g. the SLA kind), as `expression` named `column`. */
export interface FixedDimension {
  column: string;
  sql: string;
}

/**
 * `select <dimensions>, <measures> from <source> where <range, filters> group by <dimensions>`,
 * ordered by the dimensions. `measures` are SQL written in this package, never from a request.
 */
export function groupedQuery(source: ReportSource, req: ReportRequest, measures: readonly string[], options: { fixed?: FixedDimension[]; extraDims?: ReportDimension[]; extraValues?: unknown[] } = {}): GroupedQuery {
  const dims = [...req.groupBy, ...(options.extraDims ?? [])];
  const select = [
    ...(options.fixed ?? []).map((f) => `${f.sql} as "${f.column}"`),
    ...dims.map((d) => `${dimensionSql(source, d)} as "${DIMENSION_COLUMN[d].column}"`),
  ];
  const positions = select.map((_, i) => String(i + 1));
  const f = req.filters;
  // an absent filter is a constant `$n is null`, not `($n is null or column = $n)`: the column is
  // then unused, and PostgreSQL drops the left joins nobody reads (contacts, metrics)
  const filter = (n: number, value: unknown, column: string, type: 'text' | 'uuid') => (value === undefined ? `$${n}::${type} is null` : `${column} = $${n}`);
  const where = [
    `${source.at} >= $1`,
    `${source.at} < $2`,
    // names $3's type for reports without a time dimension (PostgreSQL refuses an untyped unused parameter)
    `$3::text is not null`,
    filter(4, f.channel, source.channel, 'text'),
    filter(5, f.inboxId, source.inbox, 'uuid'),
    filter(6, f.queueId, source.queue, 'uuid'),
    filter(7, f.agentId, source.agent, 'uuid'),
    filter(8, f.country, source.country, 'text'),
    ...(source.where ? [source.where] : []),
  ];
  const text = `select ${[...select, ...measures].join(', ')}
    from ${source.from}
   where ${where.join(' and ')}
   ${positions.length ? `group by ${positions.join(', ')} order by ${positions.map((p) => `${p} nulls last`).join(', ')}` : ''}`;
  return {
    text,
    values: [req.from, req.to, req.timeZone, f.channel ?? null, f.inboxId ?? null, f.queueId ?? null, f.agentId ?? null, f.country ?? null, ...(options.extraValues ?? [])],
  };
}
