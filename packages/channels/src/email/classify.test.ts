import { describe, expect, it } from '@jest/globals';
import { PermanentError, RetryableError } from '@switchboard/errors';
import { classifySmtpError } from './classify.ts';

const smtp = (responseCode: number, code = 'EENVELOPE', response = `${responseCode} x`) =>
  Object.assign(new Error(`Can't send mail - all recipients were rejected: ${response}`), { code, responseCode, response, command: 'RCPT TO' });
const socket = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:25`), { code });

describe('classifySmtpError', () => {
  it.each([
    ['421 service not available', smtp(421, 'EENVELOPE'), RetryableError, 'smtp_421'],
    ['450 mailbox busy (greylisting)', smtp(450), RetryableError, 'smtp_450'],
    ['452 mailbox full', smtp(452, 'EMESSAGE'), RetryableError, 'smtp_452'],
    ['454 temporary auth failure', smtp(454, 'EAUTH'), RetryableError, 'smtp_454'],
    ['550 no such user', smtp(550), PermanentError, 'smtp_550'],
    ['552 message too large', smtp(552, 'EMESSAGE'), PermanentError, 'smtp_552'],
    ['554 rejected as spam', smtp(554, 'EMESSAGE'), PermanentError, 'smtp_554'],
    ['535 bad credentials', smtp(535, 'EAUTH'), PermanentError, 'channel_auth_failed'],
    ['connection refused', socket('ECONNREFUSED'), RetryableError, 'network_error'],
    ['nodemailer ECONNECTION', socket('ECONNECTION'), RetryableError, 'network_error'],
    ['greeting timeout', socket('ETIMEDOUT'), RetryableError, 'network_error'],
    ['dns failure', socket('EDNS'), RetryableError, 'network_error'],
    ['unknown throw', 'boom', RetryableError, 'unexpected_error'],
  ])('%s', (_name, input, type, code) => {
    const error = classifySmtpError(input);
    expect(error).toBeInstanceOf(type);
    expect(error.code).toBe(code);
  });

  it('keeps the SMTP reply for the failure reason', () => {
    expect(classifySmtpError(smtp(550, 'EENVELOPE', '550 5.1.1 user unknown')).details).toMatchObject({
      responseCode: 550, response: '550 5.1.1 user unknown', command: 'RCPT TO',
    });
  });
});
