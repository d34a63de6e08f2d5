import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_ADDRESS_POLICY } from './address-policy.ts';
import { sendDelivery } from './send.ts';
import type { ClaimedDelivery } from './store.ts';

let server: Server;
let port: number;
const received: { path: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(req.url === '/hang' ? 200 : 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const delivery = (url: string): ClaimedDelivery =>
  ({ id: '5e1f0000-0000-4000-8000-000000000001', url, body: '{"type":"message.created"}', eventType: 'message.created' }) as ClaimedDelivery;
const loopbackAllowed = { allowLoopback: true, allowPrivate: true };

describe('sendDelivery', () => {
  it('POSTs the signed body and reports the answer', async () => {
    const outcome = await sendDelivery(delivery(`http://127.0.0.1:${port}/ok`), 'secret', { addressPolicy: loopbackAllowed });
    expect(outcome).toMatchObject({ succeeded: true, responseCode: 204, error: null });
    expect(received.at(-1)).toEqual({ path: '/ok', body: '{"type":"message.created"}' });
  });

  it('refuses loopback by default, by address and by a name that resolves to it, without connecting', async () => {
    const before = received.length;
    const byAddress = await sendDelivery(delivery(`http://127.0.0.1:${port}/internal`), 'secret', { addressPolicy: DEFAULT_ADDRESS_POLICY });
    expect(byAddress).toMatchObject({ succeeded: false, responseCode: null });
    expect(byAddress.error).toMatch(/blocked: 127\.0\.0\.1 is a loopback address/);
    const byName = await sendDelivery(delivery(`http://localhost:${port}/internal`), 'secret', { addressPolicy: DEFAULT_ADDRESS_POLICY });
    expect(byName.error).toMatch(/blocked: localhost resolves to .*loopback/);
    const metadata = await sendDelivery(delivery('http://169.254.169.254/latest/meta-data/'), 'secret', { addressPolicy: loopbackAllowed });
    expect(metadata.error).toMatch(/link-local/);
    expect(received.length).toBe(before);
  });

  it('gives up on an endpoint that does not answer within the timeout', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const outcome = await sendDelivery(delivery(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/`), 'secret', { addressPolicy: loopbackAllowed, timeoutMs: 200 });
      expect(outcome).toMatchObject({ succeeded: false, error: 'timed out after 200 ms' });
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
