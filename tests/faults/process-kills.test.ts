import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { removeLogs, startFaultSystem, type FaultSystem, type ServiceName } from './system.ts';
import { between, runStreamScenario, sleep } from './stream-scenario.ts';
import type { Stream } from './traffic.ts';

// Issue 8, scenario 1: the router, then egress, then ingress-telegram SIGKILLed at random moments
// of the stream and started again.

let system: FaultSystem;
let passed = false;

beforeAll(async () => {
  system = await startFaultSystem({
    appendfsync: 'always',
    // the platform's answer takes a while after it took the message: a kill in that window is the
    // one where egress cannot know whether the customer got the reply
    telegram: { answerDelayMs: () => between(20, 200) },
  });
}, 90_000);

afterAll(async () => {
  await system?.close();
  if (passed) removeLogs(system);
}, 60_000);

describe('services SIGKILLed mid-stream', () => {
  it('store every acknowledged message once and send every reply at most once, in order', async () => {
    const killAndRestart = async (stream: Stream, name: ServiceName, from: number, to: number) => {
      const at = between(from, to);
      await stream.reached(at);
      await system.kill(name);
      const downMs = between(200, 2_000);
      await sleep(downMs);
      await system.start(name);
      return `${name} killed at ${Math.round(at * 100)}% of the stream, down ${Math.round(downMs)} ms`;
    };
    await runStreamScenario(system, 'SIGKILL router, egress, ingress-telegram', async (stream) => [
      await killAndRestart(stream, 'router', 0.1, 0.3),
      await killAndRestart(stream, 'egress', 0.35, 0.6),
      await killAndRestart(stream, 'ingress-telegram', 0.65, 0.85),
    ]);
    passed = true;
  }, 300_000);
});
