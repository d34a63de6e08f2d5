import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { createLogger } from './index.ts';

describe('createLogger', () => {
  it('writes JSON with the service name and never the secrets', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => { lines.push(String(chunk)); done(); } });
    const logger = createLogger({ service: 'api', destination: sink });
    logger.info(
      {
        req: { headers: { authorization: 'Bearer sb_secret', 'x-telegram-bot-api-secret-token': 'hook-secret' } },
        inbox: { botToken: '123:ABC', name: 'Support' },
        agent: { token: 'sb_token', password: 'hunter2' },
      },
      'hello',
    );
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ service: 'api', level: 'info', msg: 'hello', inbox: { name: 'Support' } });
    for (const secret of ['sb_secret', 'hook-secret', '123:ABC', 'sb_token', 'hunter2']) expect(lines[0]).not.toContain(secret);
  });
});
