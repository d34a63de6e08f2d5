/**
 * `pnpm sim`: a discrete-event simulation of one queue, run through the real routing engine
 * (dispatchQueue, acceptOffer, resolveConversation) against a throwaway PostgreSQL database.
 * Poisson arrivals, exponential handling times; a manual clock jumps from event to event, so
 * hours of traffic take seconds. Prints the measured waits and occupancy beside the same
 * draws through an ideal in-memory FIFO queue and the Erlang C prediction for the load, and
 * checks at every event that no eligible agent sits idle while work waits (exit code 1 if one
 * ever does).
 *
 *   pnpm sim --rate 2 --handle 4 --agents 10 --hours 8
 */
import { parseArgs } from 'node:util';
import { withTransaction } from '@switchboard/db';
import { acceptOffer, dispatchQueue, manualClock, resolveConversation, STRATEGIES, type Strategy } from '@switchboard/routing';
import { erlangC, exponential, idealFifo, seededRandom, summarizeWaits } from './sim-model.ts';
import { arrive, createSimDatabase, DEFAULT_SIM_DATABASE_URL, idleWhileWaiting, seedDesk, type Desk } from './sim-world.ts';

const HELP = `usage: pnpm sim [--rate N] [--handle MIN] [--agents N] [--hours H] [options]
  --rate N        arrivals per minute, Poisson (default 2)
  --handle MIN    mean handling time in minutes, exponential (default 4)
  --agents N      agents online in the queue (default 10)
  --capacity N    chats each agent holds at once (default 1; Erlang C then counts agents × capacity servers)
  --hours H       simulated duration of arrivals (default 8)
  --warmup MIN    minutes at the start left out of the figures (default 30)
  --strategy S    ${STRATEGIES.filter((s) => s !== 'manual').join(' | ')} (default least_load)
  --auto-accept   assign directly instead of offer + accept
  --seed N        random seed (default 1)
  --database URL  PostgreSQL admin URL (default SIM_DATABASE_URL or ${DEFAULT_SIM_DATABASE_URL})`;

function readFlags() {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '2' },
      handle: { type: 'string', default: '4' },
      agents: { type: 'string', default: '10' },
      capacity: { type: 'string', default: '1' },
      hours: { type: 'string', default: '8' },
      warmup: { type: 'string', default: '30' },
      strategy: { type: 'string', default: 'least_load' },
      'auto-accept': { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
      database: { type: 'string', default: process.env.SIM_DATABASE_URL || DEFAULT_SIM_DATABASE_URL },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const number = (name: keyof typeof values, min: number) => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}\n${HELP}`);
    return n;
  };
  const strategy = values.strategy as Strategy;
  if (!STRATEGIES.includes(strategy) || strategy === 'manual') throw new Error(`--strategy: unknown strategy ${values.strategy}\n${HELP}`);
  return {
    ratePerMin: number('rate', Number.MIN_VALUE),
    handleMin: number('handle', Number.MIN_VALUE),
    agents: Math.floor(number('agents', 1)),
    capacity: Math.floor(number('capacity', 1)),
    hours: number('hours', Number.MIN_VALUE),
    warmupMin: number('warmup', 0),
    strategy,
    autoAccept: values['auto-accept'],
    seed: Math.floor(number('seed', 0)),
    database: values.database,
  };
}

type Flags = ReturnType<typeof readFlags>;
const MINUTE = 60_000;

async function simulate(flags: Flags, desk: Desk, pool: Parameters<typeof dispatchQueue>[0], clock: ReturnType<typeof manualClock>) {
  const random = seededRandom(flags.seed);
  const start = clock.now().getTime();
  const warmupEnd = start + flags.warmupMin * MINUTE;
  const end = warmupEnd + flags.hours * 60 * MINUTE;
  const arrivedAt = new Map<string, number>();
  const completions: { at: number; conversationId: string }[] = [];
  const waits: number[] = [];
  const perAgent = new Map<string, number>(desk.agentIds.map((a) => [a, 0]));
  const run = { events: 0, arrivals: 0, passes: 0, idleEvents: 0, busy: 0, busyArea: 0, last: start };

  const advance = (to: number) => {
    // busy units integrated over the measured window only
    const from = Math.max(run.last, warmupEnd);
    const until = Math.min(to, end);
    if (until > from) run.busyArea += run.busy * (until - from);
    run.last = to;
    clock.set(new Date(to));
  };
  const started = (conversationId: string, agentId: string) => {
    const now = clock.now().getTime();
    const arrival = arrivedAt.get(conversationId)!;
    if (arrival >= warmupEnd && arrival < end) waits.push((now - arrival) / 1000);
    perAgent.set(agentId, (perAgent.get(agentId) ?? 0) + 1);
    run.busy += 1;
    const at = now + exponential(random, flags.handleMin * MINUTE);
    const later = completions.findIndex((c) => c.at > at);
    completions.splice(later < 0 ? completions.length : later, 0, { at, conversationId });
  };
  const route = async () => {
    for (;;) {
      const pass = await dispatchQueue(pool, desk.queueId, { clock, batch: 200 });
      run.passes += 1;
      for (const a of pass.assigned) started(a.conversationId, a.agentId);
      for (const o of pass.offered) {
        const accepted = await acceptOffer(pool, { offerId: o.offerId, agentId: o.agentId, clock });
        if (!accepted.ok) throw new Error(`offer ${o.offerId} could not be accepted: ${accepted.reason}`);
        started(o.conversationId, o.agentId);
      }
      if (pass.assigned.length + pass.offered.length === 0) return;
    }
  };

  let nextArrival = start + exponential(random, MINUTE / flags.ratePerMin);
  for (;;) {
    const done = completions[0];
    const arrivalDue = nextArrival < end;
    if (!arrivalDue && !done) break;
    if (arrivalDue && (!done || nextArrival <= done.at)) {
      advance(nextArrival);
      const id = await arrive(pool, desk, ++run.arrivals, clock.now());
      arrivedAt.set(id, nextArrival);
      nextArrival += exponential(random, MINUTE / flags.ratePerMin);
    } else {
      completions.shift();
      advance(done!.at);
      run.busy -= 1;
      await withTransaction(pool, (tx) => resolveConversation(tx, done!.conversationId, { agentId: null }, clock.now()));
    }
    await route();
    run.events += 1;
    if (await idleWhileWaiting(pool, desk.queueId)) run.idleEvents += 1;
  }
  const occupancy = run.busyArea / (flags.agents * flags.capacity * (end - warmupEnd));
  return { ...run, waits: summarizeWaits(waits), occupancy, perAgent: [...perAgent.values()] };
}

function report(flags: Flags, r: Awaited<ReturnType<typeof simulate>>, wallMs: number): void {
  const servers = flags.agents * flags.capacity;
  const predicted = erlangC({ servers, rate: flags.ratePerMin, handleMean: flags.handleMin });
  const f = (n: number | undefined, digits = 1) => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(digits));
  const pct = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '—' : `${(n * 100).toFixed(1)} %`);
  console.log(
    `sim: ${flags.agents} agents × capacity ${flags.capacity}, ${flags.strategy}${flags.autoAccept ? ', auto-accept' : ', offer + accept'}; ` +
      `arrivals ${flags.ratePerMin}/min (Poisson), handling ${flags.handleMin} min mean (exponential); ` +
      `${flags.hours} h measured after ${flags.warmupMin} min warm-up; seed ${flags.seed}`,
  );
  console.log(`load: ${f(flags.ratePerMin * flags.handleMin, 2)} Erlangs on ${servers} servers`);
  console.log(`run: ${r.events} events (${r.arrivals} arrivals), ${r.passes} dispatch passes, ${(wallMs / 1000).toFixed(1)} s wall`);
  console.log('');
  const warmupEnd = flags.warmupMin * MINUTE;
  const ideal = idealFifo({ servers, ratePerMin: flags.ratePerMin, handleMin: flags.handleMin, seed: flags.seed, warmupEnd, end: warmupEnd + flags.hours * 60 * MINUTE });
  const same = summarizeWaits(ideal.waits);
  const row = (label: string, ...cells: string[]) => console.log(`${label.padEnd(18)}${cells.map((c) => c.padStart(14)).join('')}`);
  row('', 'simulated', 'ideal FIFO', 'Erlang C');
  row('mean wait (s)', f(r.waits.mean), f(same.mean), predicted ? f(predicted.meanWait * 60) : '—');
  row('p90 wait (s)', f(r.waits.p90), f(same.p90), predicted ? f(predicted.p90Wait * 60) : '—');
  row('P(wait > 0)', pct(r.waits.pWait), pct(same.pWait), pct(predicted?.pWait));
  row('occupancy', pct(r.occupancy), pct(ideal.occupancy), pct(predicted?.occupancy));
  row('max wait (s)', f(r.waits.max), f(same.max));
  console.log(`conversations per agent: min ${Math.min(...r.perAgent)}, max ${Math.max(...r.perAgent)} (over ${r.waits.count} measured)`);
  if (!predicted) console.log('Erlang C: no steady state (offered load ≥ servers): the queue grows without bound.');
  else console.log('Erlang C is the long-run mean: successive waits are correlated, so a few hours can land far from it (48 h still vary ±30 % by seed).');
  console.log('ideal FIFO: the same random draws through a perfect queue in memory; a dispatcher that never idles an agent while work waits matches it.');
  console.log(`eligible agent idle while work waited: ${r.idleEvents} of ${r.events} events${r.idleEvents ? '  ← VIOLATION' : ''}`);
}

async function main(): Promise<number> {
  const flags = readFlags();
  const clock = manualClock(new Date('2026-01-05T09:00:00Z'));
  const db = await createSimDatabase(flags.database);
  const stop = () => void db.drop().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  try {
    const desk = await seedDesk(db.pool, clock, flags);
    const began = Date.now();
    const result = await simulate(flags, desk, db.pool, clock);
    report(flags, result, Date.now() - began);
    return result.idleEvents === 0 ? 0 : 1;
  } finally {
    process.off('SIGINT', stop);
    await db.pool.end();
    await db.drop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`sim: ${error.message}`);
    process.exit(2);
  },
);
