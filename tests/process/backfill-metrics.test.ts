import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { reopenConversation } from '@switchboard/routing';
import { createWorld, type World } from '../routing/world.ts';

// `pnpm backfill-metrics` as an operator runs it after upgrading: a process with the services' environment
const root = fileURLToPath(new URL('../../', import.meta.url));
let w: World;

async function script(...args: string[]): Promise<string> {
  const env = { ...process.env, DATABASE_URL: w.db.url };
  const { stdout } = await promisify(execFile)(process.execPath, ['scripts/backfill-conversation-metrics.ts', ...args], { cwd: root, env });
  return stdout;
}

async function message(conversationId: string, direction: 'in' | 'out', agentId: string | null = null): Promise<void> {
  await w.pool.query(
    `insert into messages(conversation_id, inbox_id, seq, direction, author_agent_id, text, status, created_at)
     select c.id, c.inbox_id, (select coalesce(max(seq), 0) + 1 from messages where conversation_id = c.id), $2, $3, 'text', $4, $5
       from conversations c where c.id = $1`,
    [conversationId, direction, agentId, direction === 'in' ? 'received' : 'sent', w.clock.now()],
  );
}

const rows = async (ids: string[]) =>
  (await w.pool.query(`select * from conversation_metrics where conversation_id = any($1::uuid[]) order by conversation_id`, [ids])).rows;

const resolved: string[] = [];
let stillOpen: string;
let reopened: string;
/** The rows the resolve path wrote, before the test deleted them to make pre-016 history. */
let written: unknown[];

beforeAll(async () => {
  w = await createWorld();
  const queue = await w.queue();
  const agent = await w.agent({ queues: [queue], capacity: { webchat: 10, sms: 10 } });
  const conversations: string[] = [];
  for (const channel of ['webchat', 'sms', 'webchat', 'sms', 'webchat', 'webchat']) {
    const id = await w.waiting(queue, { channel });
    await message(id, 'in');
    conversations.push(id);
  }
  w.clock.advance(30_000);
  expect((await w.drain(queue)).assigned).toBe(6);
  for (const [i, id] of conversations.entries()) {
    w.clock.advance(10_000 * (i + 1));
    await message(id, 'out', agent);
  }
  w.clock.advance(600_000);
  for (const id of conversations.slice(0, 5)) expect(await w.resolve(id)).toBeDefined();
  stillOpen = conversations[5]!;
  reopened = conversations[4]!;
  resolved.push(...conversations.slice(0, 4));
  written = await rows(resolved);
  expect(written).toHaveLength(4);
  // real figures to compare, not nulls: 30 s waiting, then a reply 10 s later per conversation
  for (const r of written as { first_response_s: number | null }[]) expect(r.first_response_s).toBeGreaterThanOrEqual(40);
  await w.pool.query(`delete from conversation_metrics where conversation_id = any($1::uuid[])`, [[...resolved, reopened]]);
  // reopened since it was resolved: it has no row and is not resolved, so nothing is written for it
  expect(await reopenConversation(w.pool, { conversationId: reopened, by: { agentId: null }, clock: w.clock })).toMatchObject({ ok: true });
});
afterAll(() => w?.close());

describe('pnpm backfill-metrics', () => {
  it('a dry run counts the resolved conversations without a row and writes nothing', async () => {
    const out = await script('--dry-run', '--batch', '3');
    expect(out).toContain('dry run: 4 resolved conversation(s) have no metrics row; nothing written');
    expect(await rows(resolved)).toEqual([]);
  });

  it('writes, in batches, exactly the rows the resolve path wrote', async () => {
    const out = await script('--batch', '3');
    expect(out).toMatch(/^batch 1: wrote 3 row\(s\)/m);
    expect(out).toMatch(/^batch 2: wrote 1 row\(s\)/m);
    expect(out).toContain('done: wrote 4 conversation_metrics row(s)');
    expect(await rows(resolved)).toEqual(written);
    expect(await rows([stillOpen, reopened])).toEqual([]);
  });

  it('run again, writes nothing', async () => {
    const out = await script();
    expect(out).toContain('done: wrote 0 conversation_metrics row(s)');
    expect(await rows(resolved)).toEqual(written);
  });

  it('refuses a bad batch size', async () => {
    await expect(script('--batch', '0')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--batch 0') });
  });
});
