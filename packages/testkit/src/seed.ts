import { randomBytes } from 'node:crypto';
import type { ChannelId, InboundEvent } from '@switchboard/contracts';
import { setAgentPresence, systemClock } from '@switchboard/routing';
import { createAgent, createInbox, createQueue, createSecretBox, type Agent, type Inbox, type Pool, type Queue, type SecretBox } from '@switchboard/db';

export interface Desk {
  box: SecretBox;
  queue: Queue;
  inbox: Inbox;
  agents: Agent[];
}

/** A queue, an inbox routed to it and `agents` online members: the smallest working support desk. */
export async function seedDesk(
  pool: Pool,
  options: { channel?: ChannelId; agents?: number; capacity?: number; online?: boolean; secrets?: Record<string, unknown>; config?: Record<string, unknown>; box?: SecretBox } = {},
): Promise<Desk> {
  const box = options.box ?? createSecretBox(randomBytes(32));
  const channel = options.channel ?? 'telegram';
  const agents: Agent[] = [];
  for (let i = 0; i < (options.agents ?? 2); i++) {
    agents.push(await createAgent(pool, { name: `Agent ${i + 1}`, email: `agent${i + 1}-${randomBytes(3).toString('hex')}@example.test`, role: 'agent', capacity: { telegram: options.capacity ?? 1, webchat: options.capacity ?? 1 } }));
  }
  const queue = await createQueue(pool, { name: `support-${randomBytes(3).toString('hex')}`, memberIds: agents.map((a) => a.id) });
  const inbox = await createInbox(pool, box, {
    channel,
    name: `${channel} inbox`,
    config: options.config ?? (channel === 'telegram' ? { mode: 'webhook' } : { allowedOrigins: [] }),
    secrets: options.secrets ?? (channel === 'telegram' ? { botToken: '123456:TEST-token_abc', webhookSecret: 'SecretToken' } : { visitorTokenKey: randomBytes(32).toString('base64') }),
    defaultQueueId: queue.id,
  });
  if (options.online ?? true) for (const a of agents) await setAgentPresence(pool, { agentId: a.id, status: 'online', clock: systemClock });
  return { box, queue, inbox, agents };
}

let counter = 0;

/** A normalized inbound text message as a channel ingress would queue it. */
export function inboundText(inboxId: string, options: { from: string; text: string; messageId?: string; channel?: ChannelId }): InboundEvent {
  const id = options.messageId ?? `${Date.now()}${++counter}`;
  const now = new Date().toISOString();
  return {
    eventId: `test-${options.from}-${id}`,
    inboxId,
    channel: options.channel ?? 'telegram',
    type: 'message',
    externalMessageId: `${options.from}:${id}`,
    thread: { externalId: options.from },
    sender: { externalId: options.from, name: `Customer ${options.from}` },
    content: { text: options.text, attachments: [] },
    sentAt: now,
    receivedAt: now,
    raw: {},
  };
}
