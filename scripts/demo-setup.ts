/**
 * The demo `pnpm start` sets up once the API is ready, through the admin REST API like an
 * operator would: a queue "Demo", an online agent "Demo agent" (web-chat capacity 3) and a
 * web-chat inbox "Demo website". Each is created only if missing.
 */

export interface DemoSetup {
  inboxId: string;
  /** The agent's API token; undefined when the agent exists but its token was not kept. */
  agentToken: string | undefined;
}

interface Named {
  id: string;
  name: string;
}

type Call = <T>(method: string, path: string, body?: unknown, token?: string) => Promise<T>;

function client(apiUrl: string, adminToken: string): Call {
  return async <T>(method: string, path: string, body?: unknown, token = adminToken): Promise<T> => {
    const res = await fetch(`${apiUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
}

/** Polls `GET /readyz` until the API answers 200; false when `deadlineMs` passes first. */
export async function waitUntilReady(url: string, deadlineMs: number, stopped: () => boolean): Promise<boolean> {
  while (Date.now() < deadlineMs && !stopped()) {
    const res = await fetch(`${url}/readyz`).catch(() => undefined);
    if (res?.status === 200) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

export async function setUpDemo(options: {
  apiUrl: string;
  adminToken: string;
  /** A token kept from an earlier start; `saveToken` is called when a new one is issued. */
  savedAgentToken: string | undefined;
  saveToken(token: string): void;
}): Promise<DemoSetup> {
  const call = client(options.apiUrl, options.adminToken);
  let agentToken = options.savedAgentToken;
  let agent = (await call<Named[]>('GET', '/agents')).find((a) => a.name === 'Demo agent');
  if (!agent) {
    const created = await call<{ agent: Named; token: string }>('POST', '/agents', { name: 'Demo agent', capacity: { webchat: 3 } });
    agent = created.agent;
    agentToken = created.token;
    // shown once by the API: kept so later starts can print it again
    options.saveToken(agentToken);
  }

  let queue = (await call<(Named & { memberIds: string[] })[]>('GET', '/queues')).find((q) => q.name === 'Demo');
  if (!queue) queue = await call<Named & { memberIds: string[] }>('POST', '/queues', { name: 'Demo', memberIds: [agent.id] });
  else if (!queue.memberIds.includes(agent.id)) {
    await call('PUT', `/queues/${queue.id}/members`, { memberIds: [...queue.memberIds, agent.id] });
  }

  const inboxes = await call<(Named & { channel: string })[]>('GET', '/inboxes');
  let inbox = inboxes.find((i) => i.channel === 'webchat' && i.name === 'Demo website');
  inbox ??= await call<Named & { channel: string }>('POST', '/inboxes', { channel: 'webchat', name: 'Demo website', defaultQueueId: queue.id });

  // presence is the agent's own to set: with its token, on every start
  if (agentToken) await call('PUT', '/me/status', { status: 'online' }, agentToken).catch(() => (agentToken = undefined));
  return { inboxId: inbox.id, agentToken };
}
