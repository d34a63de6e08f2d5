import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createLogger } from './index.ts';
import { forgetSecrets, redactUrl, rememberSecrets, scrubSecrets } from './scrub.ts';

const capture = () => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => { lines.push(String(chunk)); done(); } });
  return { lines, logger: createLogger({ service: 't', level: 'trace', destination: sink }) };
};
afterEach(() => forgetSecrets());

describe('log scrubbing', () => {
  it('cuts credentials from request URLs and keeps the rest', () => {
    expect(redactUrl('/webchat/i/socket?token=abc.def&x=1')).toBe('/webchat/i/socket?token=[redacted]&x=1');
    expect(redactUrl('/w?hub.mode=subscribe&hub.verify_token=v&hub.challenge=7')).toBe('/w?hub.mode=subscribe&hub.verify_token=[redacted]&hub.challenge=7');
    expect(redactUrl('/media/k?exp=1&sig=s')).toBe('/media/k?exp=1&sig=[redacted]');
    expect(redactUrl('imap://user:hunter2@host/')).toBe('imap://user:[redacted]@host/');
  });

  it('logs a fastify-like request without its query credentials', () => {
    const { lines, logger } = capture();
    logger.info({ req: { method: 'GET', url: '/api/v1/events?access_token=sb_abc123', ip: '127.0.0.1', headers: { authorization: 'Bearer sb_abc123' } } }, 'incoming');
    expect(JSON.parse(lines[0]!).req).toEqual({ method: 'GET', url: '/api/v1/events?access_token=[redacted]', remoteAddress: '127.0.0.1' });
  });

  it('cuts a Telegram bot token quoted in an error message', () => {
    const { lines, logger } = capture();
    logger.error({ err: new Error('request to https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage failed') }, 'send failed');
    expect(lines[0]).not.toContain('AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw');
    expect(lines[0]).toContain('api.telegram.org/bot[redacted]/sendMessage');
  });

  it('cuts remembered secrets in every encoding, and only once they are remembered', () => {
    const secret = 'twilio-auth-0123456789';
    expect(scrubSecrets(`token ${secret}`)).toContain(secret);
    rememberSecrets({ authToken: secret, short: 'abc' });
    const { lines, logger } = capture();
    logger.warn({ detail: `echo ${secret} ${encodeURIComponent(`a ${secret}`)} ${Buffer.from(secret).toString('base64')}`, short: 'abc' }, `quoted "${secret}"`);
    expect(lines[0]).not.toContain(secret);
    expect(lines[0]).not.toContain(Buffer.from(secret).toString('base64'));
    expect(JSON.parse(lines[0]!).short).toBe('abc');
  });
});
