import { describe, expect, it } from '@jest/globals';
import { PermanentError, RetryableError } from '@switchboard/errors';
import type { InboxContext, OutboundMessage } from '../contract.ts';
import { createWebchatSender, webchatChannelName } from './send.ts';

const inbox: InboxContext = { id: '7d1c3a52-8f0e-4a8b-9d6e-1f2a3b4c5d6e', channel: 'webchat', config: {}, secrets: {} };
const msg: OutboundMessage = {
  messageId: '3f0c1d2e-0000-4000-8000-000000000001',
  conversationId: '3f0c1d2e-0000-4000-8000-000000000002',
  recipientExternalId: 'v1',
  threadExternalId: 'v1',
  text: 'Hello from support',
};

describe('createWebchatSender', () => {
  it("publishes the reply on the visitor's channel", async () => {
    const published: Array<[string, string]> = [];
    const send = createWebchatSender({ publish: async (channel, payload) => (published.push([channel, payload]), 0) });
    const result = await send(msg, inbox);
    expect(webchatChannelName(inbox.id, 'v1')).toBe(`sb-webchat-${inbox.id}-v1`);
    expect(published).toHaveLength(1);
    const [channel, payload] = published[0]!;
    expect(channel).toBe(`sb-webchat-${inbox.id}-v1`);
    expect(JSON.parse(payload)).toEqual({
      type: 'message',
      message: {
        id: msg.messageId, seq: null, conversationId: msg.conversationId, direction: 'out', text: 'Hello from support',
        createdAt: result.sentAt.toISOString(), clientMessageId: null, attachments: [],
      },
    });
    expect(result.externalMessageId).toBe(`out-${msg.messageId}`);
  });

  it('links each file for download from the web-chat service, without reading the bytes', async () => {
    const published: string[] = [];
    const send = createWebchatSender({ publish: async (_channel, payload) => (published.push(payload), 1) });
    const read = async (): Promise<Buffer> => { throw new Error('web chat must not read the file'); };
    const key = 'ab'.repeat(32);
    await send({ ...msg, seq: 7, text: null, files: [{ kind: 'document', fileName: 'manual.pdf', contentType: 'application/pdf', size: 1234, blobKey: key, read }] }, inbox);
    expect(JSON.parse(published[0]!).message).toMatchObject({
      seq: 7,
      text: null,
      attachments: [{ fileName: 'manual.pdf', contentType: 'application/pdf', size: 1234, url: `/webchat/${inbox.id}/files/${key}` }],
    });
  });

  it('turns a publish failure into a RetryableError and an empty text into a PermanentError', async () => {
    const failing = createWebchatSender({ publish: async () => Promise.reject(new Error('connection closed')) });
    await expect(failing(msg, inbox)).rejects.toBeInstanceOf(RetryableError);
    await expect(failing({ ...msg, text: null }, inbox)).rejects.toBeInstanceOf(PermanentError);
  });
});
