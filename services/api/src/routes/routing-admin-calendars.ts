import { z } from 'zod';
import { withTransaction } from '@switchboard/db';
import { conflict, notFound } from '@switchboard/errors';
import { requireRole } from '../auth.ts';
import { BusinessHoursBody, BusinessHoursDto, BusinessHoursPatch } from '../calendar-schema.ts';
import { deleteRow, getRow, insertRow, isForeignKeyViolation, listRows, updateRow, type Table } from '../crud-sql.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { SlaPolicyBody, SlaPolicyDto, SlaPolicyPatch } from '../routing-schemas.ts';
import { errorResponses, IdParams } from '../schemas.ts';

const BUSINESS_HOURS: Table = {
  name: 'business_hours',
  columns: { name: 'name', timeZone: 'time_zone', weekly: 'weekly', holidays: 'holidays' },
  json: ['weekly', 'holidays'],
};

const SLA_POLICIES: Table = {
  name: 'sla_policies',
  columns: {
    name: 'name', firstResponseS: 'first_response_s', nextResponseS: 'next_response_s', resolutionS: 'resolution_s',
    businessHoursOnly: 'business_hours_only', breachPriorityBoost: 'breach_priority_boost', pauseWhenPending: 'pause_when_pending',
  },
};

interface Resource {
  path: string;
  what: string;
  table: Table;
  body: z.ZodType<Record<string, unknown>>;
  patch: z.ZodType<Record<string, unknown>>;
  dto: z.ZodType;
}

const RESOURCES: Resource[] = [
  { path: '/business-hours', what: 'business hours', table: BUSINESS_HOURS, body: BusinessHoursBody, patch: BusinessHoursPatch, dto: BusinessHoursDto },
  { path: '/sla-policies', what: 'SLA policy', table: SLA_POLICIES, body: SlaPolicyBody, patch: SlaPolicyPatch, dto: SlaPolicyDto },
];

/**
 * Business-hours calendars and SLA policies: the same CRUD shape for both. A row a queue still
 * points at cannot be deleted (409), so no queue is left with a dangling calendar or policy.
 */
export function registerRoutingCalendarRoutes(deps: ApiDeps, app: ZodApp): void {
  for (const r of RESOURCES) {
    const tags = ['routing'];
    app.post(
      r.path,
      { onRequest: requireRole('admin'), schema: { tags, summary: `Create ${r.what}`, body: r.body, response: { 201: r.dto, ...errorResponses(400, 403) } } },
      async (request, reply) => reply.code(201).send(await insertRow(deps.pool, r.table, request.body)),
    );

    app.get(
      r.path,
      { onRequest: requireRole('supervisor'), schema: { tags, summary: `List ${r.what}`, response: { 200: z.array(r.dto), ...errorResponses(403) } } },
      async () => listRows(deps.pool, r.table),
    );

    app.get(
      `${r.path}/:id`,
      { onRequest: requireRole('supervisor'), schema: { tags, summary: `One ${r.what}`, params: IdParams, response: { 200: r.dto, ...errorResponses(403, 404) } } },
      async (request) => {
        const row = await getRow(deps.pool, r.table, request.params.id);
        if (!row) throw notFound(r.what);
        return row;
      },
    );

    app.patch(
      `${r.path}/:id`,
      {
        onRequest: requireRole('admin'),
        schema: { tags, summary: `Change ${r.what} (any subset)`, params: IdParams, body: r.patch, response: { 200: r.dto, ...errorResponses(400, 403, 404) } },
      },
      async (request) => {
        const row = await withTransaction(deps.pool, (tx) => updateRow(tx, r.table, request.params.id, request.body));
        if (!row) throw notFound(r.what);
        return row;
      },
    );

    app.delete(
      `${r.path}/:id`,
      { onRequest: requireRole('admin'), schema: { tags, summary: `Delete ${r.what} no queue uses`, params: IdParams, response: { 204: z.null(), ...errorResponses(403, 404, 409) } } },
      async (request, reply) => {
        try {
          if (!(await deleteRow(deps.pool, r.table, request.params.id))) throw notFound(r.what);
        } catch (error) {
          if (isForeignKeyViolation(error)) throw conflict('in_use', `a queue still uses this ${r.what}`);
          throw error;
        }
        return reply.code(204).send(null);
      },
    );
  }
}
