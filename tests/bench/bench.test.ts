import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { conversationsIn, interleaveByBot, plan, telegramDeliveries } from '../../bench/deliveries.ts';
import { changePercent, formatGoals, judgeGoals, verdict, type GoalInputs } from '../../bench/goals.ts';
import { dueCount, openLoop, scheduledAt } from '../../bench/open-loop.ts';
import { readOptions, watchdogMs } from '../../bench/options.ts';
import { formatRows, ratio } from '../../bench/report.ts';
import { medianOf } from '../../bench/soak.ts';
import { percentile, summarize } from '../../bench/stats.ts';

// The bench's pure parts and its open-loop driver against a real local server; the bench itself
// (pnpm bench) is not part of the test run.

describe('open-loop schedule', () => {
  it('spaces requests 1/rate apart from the start', () => {
    expect([0, 1, 2, 3].map((i) => scheduledAt(i, 250))).toEqual([0, 4, 8, 12]);
    expect(scheduledAt(1000, 1000)).toBe(1000);
  });

  it('counts a request as due from its scheduled time on, never more than there are', () => {
    expect(dueCount(-1, 1000, 10)).toBe(0);
    expect(dueCount(0, 1000, 10)).toBe(1);
    expect(dueCount(0.99, 1000, 10)).toBe(1);
    expect(dueCount(1, 1000, 10)).toBe(2);
    expect(dueCount(3.5, 1000, 10)).toBe(4);
    expect(dueCount(60_000, 1000, 10)).toBe(10);
  });

  it('catches up after a stall: every request scheduled during it is due at once', () => {
    // a 50 ms stall at 500/s: the 25 requests scheduled meanwhile are all due when the loop wakes
    expect(dueCount(50, 500, 1000) - dueCount(0, 500, 1000)).toBe(25);
  });
});

describe('open loop against a server that holds its answers', () => {
  let server: http.Server;
  let url: string;
  const held: http.ServerResponse[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        // the first request is answered only once every other one has arrived: a closed loop would never send them
        held.push(res);
        if (held.length === 20) for (const r of held) r.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/webhook`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends every request on schedule without waiting for earlier acks, and times each from its scheduled send', async () => {
    const deliveries = telegramDeliveries({ count: 20, customers: 5, firstCustomer: 0, firstId: 1 });
    const run = await openLoop(url, {}, deliveries, 400);
    expect(run.failures).toEqual([]);
    expect(run.sentAt.size).toBe(20);
    const scheduled = [...run.sentAt.values()].sort((a, b) => a - b);
    expect(scheduled[0]).toBe(run.firstSend);
    scheduled.forEach((at, i) => expect(at - run.firstSend).toBeCloseTo(scheduledAt(i, 400), 6));
    // the first request waited for the last to be sent, so its latency covers the whole schedule
    expect(Math.max(...run.ackMs)).toBeGreaterThanOrEqual(scheduledAt(19, 400));
    expect(run.lastAck).toBeGreaterThanOrEqual(scheduled[19]!);
  });

  it('refuses a target off loopback and a rate of zero', async () => {
    await expect(openLoop('http://10.0.0.1/x', {}, [], 10)).rejects.toThrow('127.0.0.1');
    await expect(openLoop(url, {}, [], 0)).rejects.toThrow('rate above 0');
  });
});

describe('stats', () => {
  it('takes nearest-rank percentiles over every sample', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    const s = summarize(samples);
    expect(s).toMatchObject({ count: 100, min: 1, p50: 50, p90: 90, p99: 99, max: 100, mean: 50.5 });
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNaN();
  });
});

describe('soak memory', () => {
  it('takes the per-service median of a window, so one reading in a GC cycle does not decide', () => {
    const at = (atS: number, api: number, router: number) => ({ atS, rssMiB: { api, 'ingress-telegram': 100, router, egress: 50 } });
    const window = [at(30, 200, 150), at(32, 260, 151), at(34, 201, 400), at(36, 203, 152)];
    expect(medianOf(window, 33)).toEqual({ atS: 33, rssMiB: { api: 202, 'ingress-telegram': 100, router: 151.5, egress: 50 } });
    expect(medianOf([at(10, 7, 8)], 10).rssMiB.router).toBe(8);
    expect(() => medianOf([], 0)).toThrow('no RSS samples');
  });
});

describe('plan', () => {
  it('gives the burst and each rate its own new customers and message ids', () => {
    const options = readOptions(['--messages', '40', '--customers', '10', '--warmup', '5', '--rates', '20,50', '--rate-seconds', '0.5'], {});
    const p = plan(options.phase);
    expect(p.passes.map((x) => [x.name, x.rate, x.deliveries.length])).toEqual([
      ['burst', 0, 40],
      ['20/s', 20, 10],
      ['50/s', 50, 25],
    ]);
    const ids = [...p.warmup, ...p.passes.flatMap((x) => x.deliveries)].map((d) => d.externalId);
    expect(new Set(ids).size).toBe(ids.length);
    const chatsOf = (i: number) => new Set(p.passes[i]!.deliveries.map((d) => d.chatId));
    expect([...chatsOf(0)].some((c) => chatsOf(1).has(c) || chatsOf(2).has(c))).toBe(false);
    expect(conversationsIn(p)).toBe(options.phase.warmupCustomers + 10 + 10 + 10);
  });
});

describe('options', () => {
  it('defaults to a run that fits the 10-minute budget, quick to a smaller one', () => {
    const full = readOptions([], {});
    expect(full.quick).toBe(false);
    expect(full.phase.rates).toEqual([250, 500, 1000]);
    expect(full.soakMinutes).toBe(2);
    expect(watchdogMs(full)).toBe(10 * 60_000);
    const quick = readOptions(['--quick'], {});
    expect(quick.quick).toBe(true);
    expect(quick.soakMinutes).toBeLessThan(full.soakMinutes);
    expect(quick.phase.messages).toBeLessThan(full.phase.messages);
    expect(readOptions([], { BENCH_QUICK: '1' }).quick).toBe(true);
  });

  it('lets a 10-minute soak extend the watchdog by its extra minutes; flags win over the environment', () => {
    const o = readOptions(['--soak-minutes', '10'], { BENCH_SOAK_MINUTES: '3', BENCH_MESSAGES: '77' });
    expect(o.soakMinutes).toBe(10);
    expect(o.phase.messages).toBe(77);
    expect(watchdogMs(o)).toBe(18 * 60_000);
  });

  it('names the bad option', () => {
    expect(() => readOptions(['--rates', '250,x'], {})).toThrow('--rates');
    expect(() => readOptions([], { BENCH_MESSAGES: '0' })).toThrow('BENCH_MESSAGES');
  });
});

const inputs = (over: Partial<GoalInputs> = {}): GoalInputs => ({
  inbound: { switchboardPerSecond: 600, floorPerSecond: 1000 },
  paced: [
    { rate: 500, ackP99: 30, storedToAssignedP99: 200, storedPerSecond: 500 },
    { rate: 1000, ackP99: 8, storedToAssignedP99: 40, storedPerSecond: 990 },
  ],
  egress: { switchboardPerSecond: 400, floorPerSecond: 1000 },
  rss: { minutes: 10, changePercent: { api: 2, router: -9.5 } },
  ...over,
});

describe('goals', () => {
  it('judges each goal on its own figure', () => {
    const goals = judgeGoals(inputs());
    expect(goals.map((g) => [g.goal, g.figure, g.met])).toEqual([
      ['end-to-end inbound throughput ≥ 50% of the floor pipeline', '60%', true],
      ['webhook ack p99 ≤ 10 ms at 1000 msg/s', '8.00 ms', true],
      ['stored → assigned p99 ≤ 50 ms at 1000 msg/s', '40.0 ms', true],
      ['egress throughput ≥ 50% of its floor', '40%', false],
      ['RSS flat (±10%) over a 10-minute soak', 'worst router -9.5%', true],
    ]);
  });

  it('says when the rate fell behind, and does not judge latency goals at a rate the run did not offer', () => {
    const behind = judgeGoals(inputs({ paced: [{ rate: 1000, ackP99: 12, storedToAssignedP99: 900, storedPerSecond: 400 }] }));
    expect(behind[1]!.met).toBe(false);
    expect(behind[2]!.figure).toBe('900.0 ms; stored only 400/s of 1000/s offered');
    const quick = judgeGoals(inputs({ paced: [{ rate: 500, ackP99: 3, storedToAssignedP99: 20, storedPerSecond: 500 }] }));
    expect(quick[1]!.met).toBeUndefined();
    expect(quick[1]!.figure).toBe('3.00 ms (at 500/s, not 1000/s)');
  });

  it('judges the ack goal on the ingress running as its own process when the run measured it', () => {
    const goals = judgeGoals(inputs({ processAck: [{ rate: 1000, p99: 12.5 }] }));
    expect(goals[1]).toEqual({ goal: 'webhook ack p99 ≤ 10 ms at 1000 msg/s', figure: '12.5 ms (ingress as its own process; 8.00 ms in the one-process stack)', met: false });
  });

  it('fails RSS growth over any soak, but leaves flatness over a short soak unjudged', () => {
    expect(judgeGoals(inputs({ rss: { minutes: 2, changePercent: { api: 12, router: 1 } } }))[4]!.met).toBe(false);
    const short = judgeGoals(inputs({ rss: { minutes: 2, changePercent: { api: 3 } } }))[4]!;
    expect(short.met).toBeUndefined();
    expect(short.figure).toBe('worst api +3.0% over 2 min, not 10');
  });

  it('prints goal, figure and verdict on one line each', () => {
    const lines = formatGoals(judgeGoals(inputs()));
    expect(lines).toHaveLength(5);
    expect(lines[3]).toMatch(/^ {2}egress throughput ≥ 50% of its floor +40% +MISSED$/);
    expect(lines[0]!.endsWith('met')).toBe(true);
    expect([verdict(true), verdict(false), verdict(undefined)]).toEqual(['met', 'MISSED', 'not judged']);
    expect(changePercent(200, 220)).toBeCloseTo(10, 9);
  });
});

describe('table', () => {
  it('prints each figure beside its floor with the ratio, — where there is none', () => {
    const lines = formatRows([
      { label: 'webhook ack p99 at 1000/s', switchboard: 12.345, floor: 2, unit: 'ms' },
      { label: 'egress replies sent', switchboard: 400, floor: undefined, unit: '/s' },
    ]);
    expect(lines[0]).toMatch(/metric +switchboard +floor +ratio/);
    expect(lines[1]).toMatch(/webhook ack p99 at 1000\/s \(ms\) +12\.3 +2\.00 +6\.17×$/);
    expect(lines[2]).toMatch(/egress replies sent \(msg\/s\) +400 +— +—$/);
    expect(ratio({ label: 'x', switchboard: 1, floor: 0, unit: '/s' })).toBe('—');
  });
});

describe('egress reply order', () => {
  it('takes the bots in turn, so no bot gets a run of replies above its pace', () => {
    const chats = ['a', 'a', 'a', 'b', 'b', 'c'].map((inboxId, i) => ({ inboxId, i }));
    expect(interleaveByBot(chats).map((c) => c.i)).toEqual([0, 3, 5, 1, 4, 2]);
    expect(interleaveByBot([])).toEqual([]);
  });
});
