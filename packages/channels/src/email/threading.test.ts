import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { fixture } from '@switchboard/testkit';
import { parseEmail, type ParsedEmail } from './parse.ts';
import { parseReplyAddress, threadDecision, type KnownThread } from './threading.ts';

const ann: KnownThread = { conversationId: 'conv-ann', participants: ['Ann@example.com'] };
const bob: KnownThread = { conversationId: 'conv-bob', participants: ['bob@example.com'] };
const known = new Map<string, KnownThread>([['<ours-1@support.example>', ann], ['<root@client>', ann], ['<bob-ours@support.example>', bob]]);
const messages = { byMessageId: (id: string) => known.get(id) };
const tokens = new Map<string, KnownThread>([['conv-ann', ann], ['conv-bob', bob]]);
const replyTokenOf = (address: string) => {
  const parsed = parseReplyAddress(address);
  return parsed ? tokens.get(parsed.token) : undefined;
};
const mail = (over: Partial<ParsedEmail>): ParsedEmail => ({
  from: { address: 'ann@example.com' }, to: ['help@support.example'], cc: [], references: [], attachments: [],
  headers: {}, contentType: { value: 'text/plain', params: {} }, embeddedMessageIds: [], subject: 'Re: printer', ...over,
});

describe('threadDecision', () => {
  it.each([
    ['our Message-ID in In-Reply-To', { inReplyTo: '<ours-1@support.example>' }, { rule: 'in_reply_to', matchedHeader: 'In-Reply-To', conversationId: 'conv-ann' }],
    ['In-Reply-To wins over a reply token of another thread', { inReplyTo: '<ours-1@support.example>', to: ['reply+conv-bob@support.example'] }, { rule: 'in_reply_to', conversationId: 'conv-ann' }],
    ['a reply token when the client dropped In-Reply-To', { to: ['reply+conv-ann@support.example'] }, { rule: 'reply_token', matchedHeader: 'To', conversationId: 'conv-ann' }],
    ['a reply token in Cc', { cc: ['REPLY+CONV-ANN@support.example'] }, { rule: 'reply_token', matchedHeader: 'Cc', conversationId: 'conv-ann' }],
    ['a known id in References', { inReplyTo: '<unknown@client>', references: ['<root@client>', '<unknown@client>'] }, { rule: 'references', matchedHeader: 'References', conversationId: 'conv-ann' }],
    ['the same subject alone is a new thread', { subject: 'Re: printer' }, { rule: 'new' }],
    ['unknown ids are a new thread', { inReplyTo: '<x@y>', references: ['<x@y>'] }, { rule: 'new' }],
    ['sender case does not matter', { from: { address: 'ANN@EXAMPLE.COM' }, inReplyTo: '<ours-1@support.example>' }, { rule: 'in_reply_to', conversationId: 'conv-ann' }],
    ['a stranger replying to our mail opens a new thread', { from: { address: 'eve@example.com' }, inReplyTo: '<ours-1@support.example>' },
      { rule: 'new', refused: { conversationId: 'conv-ann', matchedHeader: 'In-Reply-To' } }],
    ['a stranger using a reply token opens a new thread', { from: { address: 'eve@example.com' }, to: ['reply+conv-ann@support.example'] }, { rule: 'new' }],
    ['a refused In-Reply-To falls through to the sender’s own token', { inReplyTo: '<bob-ours@support.example>', to: ['reply+conv-ann@support.example'] },
      { rule: 'reply_token', conversationId: 'conv-ann' }],
  ] as const)('%s', (_name, over, expected) => {
    const decision = threadDecision(mail(over as Partial<ParsedEmail>), messages, replyTokenOf);
    expect(decision).toMatchObject(expected);
    if (expected.rule === 'new') expect(decision.conversationId).toBeUndefined();
  });

  it('threads the Gmail reply by its reply+<uuid> address (gmail_reply_with_quote.eml)', async () => {
    const parsed = await parseEmail(readFileSync(fixture('email/gmail_reply_with_quote.eml')));
    const conv = { conversationId: 'c1', participants: ['sony@chatwoot.com'] };
    const decision = threadDecision(parsed, { byMessageId: () => undefined }, (a) =>
      parseReplyAddress(a)?.token === '6bdc3f4d-0bec-4515-a284-5d916fdde489' ? conv : undefined);
    expect(decision).toEqual({ rule: 'reply_token', matchedHeader: 'To', conversationId: 'c1' });
  });

  it('an empty In-Reply-To is a new thread (html_only.eml)', async () => {
    const parsed = await parseEmail(readFileSync(fixture('email/html_only.eml')));
    expect(threadDecision(parsed, messages, replyTokenOf)).toEqual({ rule: 'new' });
  });
});
