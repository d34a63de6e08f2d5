import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { buildReport } from '@switchboard/db';
import { REPORT_DIMENSIONS, REPORT_KINDS, reportQuery, toCsv, toReportRequest, type ReportKind } from '@switchboard/reports';
import { requireRole } from '../auth.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { invalidField } from '../error-handler.ts';
import { errorResponses, EXAMPLE_IDS, exampleAt } from '../schemas.ts';

const SUMMARIES: Record<ReportKind, string> = {
  volume: 'Conversations created and messages in/out, by channel, inbox, queue, agent, country, day or hour',
  'channel-share': "Each channel's share of conversations and messages, within each group",
  'response-times': 'First response, next response and resolution time p50/p90 (wall-clock and business hours) of resolved conversations',
  sla: 'SLA timers met and breached per kind (frt, nrt, rt), and attainment = met ÷ (met + breached)',
  satisfaction: 'CSAT average and 1–5 distribution, NPS (promoters − detractors) of answered surveys',
};

const Cell = z.union([z.string(), z.number(), z.null()]);

const ReportDto = z
  .object({
    report: z.enum(REPORT_KINDS),
    from: z.date().describe('start of the range, included'),
    to: z.date().describe('end of the range, excluded'),
    timeZone: z.string(),
    groupBy: z.array(z.enum(REPORT_DIMENSIONS)),
    filters: z.object({ channel: z.string(), inboxId: z.uuid(), queueId: z.uuid(), agentId: z.uuid(), country: z.string() }).partial(),
    asOf: z.date().nullable().describe('volume and channel-share: when the message rollup last read the messages (null: not yet); other reports: when they were computed'),
    columns: z.array(z.string()).describe('the keys of every row, in CSV order'),
    rows: z.array(z.record(z.string(), Cell)),
  })
  .meta({
    id: 'Report',
    examples: [
      {
        report: 'sla',
        from: exampleAt('00:00:00'),
        to: new Date('2025-03-15T00:00:00Z'),
        timeZone: 'UTC',
        groupBy: ['queue'],
        filters: {},
        asOf: exampleAt('09:45:00'),
        columns: ['kind', 'queueId', 'queueName', 'met', 'breached', 'attainmentPercent'],
        rows: [{ kind: 'frt', queueId: EXAMPLE_IDS.queue, queueName: 'Support', met: 41, breached: 3, attainmentPercent: 93.2 }],
      },
    ],
  });

/** `2026-01-01`, `2026-01-01T00:00:00+03:00` → `2026-01-01`, `2026-01-01T000000+0300`: safe in a file name. */
const fileStamp = (value: string) => value.replace(/[^0-9A-Za-z+-]/g, '');

function sendCsv(reply: FastifyReply, name: string, csv: string): FastifyReply {
  return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(csv);
}

/** `GET /reports/<kind>`: supervisors and admins; JSON, or CSV with `format=csv`. */
export function registerReportRoutes(deps: ApiDeps, app: ZodApp): void {
  for (const kind of REPORT_KINDS) {
    app.get(
      `/reports/${kind}`,
      {
        onRequest: requireRole('supervisor'),
        schema: {
          tags: ['reports'],
          summary: SUMMARIES[kind],
          description: 'Definitions: docs/reports.md. With `format=csv` the answer is `text/csv; charset=utf-8` (RFC 4180, header row, CRLF) as an attachment.',
          querystring: reportQuery(kind),
          response: { 200: ReportDto, ...errorResponses(400, 403) },
        },
      },
      async (request, reply) => {
        const req = toReportRequest(kind, request.query);
        const report = await buildReport(deps.pool, req, deps.clock.now()).catch((error: { code?: string }) => {
          // a zone Intl knows but this PostgreSQL's tz database does not
          if (error.code === '22023') throw invalidField('query.timeZone', 'this time zone is unknown to the database');
          throw error;
        });
        if (req.format === 'csv') return sendCsv(reply, `switchboard-${kind}-${fileStamp(request.query.from)}-${fileStamp(request.query.to)}.csv`, toCsv(report.columns, report.rows));
        return { report: kind, from: req.from, to: req.to, timeZone: req.timeZone, groupBy: req.groupBy, filters: req.filters, ...report };
      },
    );
  }
}
