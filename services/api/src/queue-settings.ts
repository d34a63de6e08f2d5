import type { QueueSettings } from './routing-schemas.ts';

/**
 * Rules a queue's settings must keep together, checked on the settings as they would be after
 * a PATCH. Pure: existence of the referenced rows is checked by the route.
 */
export interface SettingsProblem {
  /** The fields involved, most telling first; the route names the first one the request sent. */
  fields: (keyof QueueSettings)[];
  message: string;
}

export function settingsProblem(queueId: string, s: QueueSettings): SettingsProblem | undefined {
  if (s.overflowQueueId === queueId) return { fields: ['overflowQueueId'], message: 'a queue cannot overflow to itself' };
  if (s.maxWaitAction === 'overflow' && !s.overflowQueueId) {
    return { fields: ['maxWaitAction', 'overflowQueueId'], message: "maxWaitAction 'overflow' needs an overflowQueueId" };
  }
  if (s.overflowWhenNoAgents && !s.overflowQueueId) {
    return { fields: ['overflowWhenNoAgents', 'overflowQueueId'], message: 'overflowWhenNoAgents needs an overflowQueueId' };
  }
  return undefined;
}

/** The field to name in the 400: the first involved one the request sent, else the first involved. */
export function problemPath(problem: SettingsProblem, sent: object): string {
  const field = problem.fields.find((f) => f in sent) ?? problem.fields[0]!;
  return `body.${field}`;
}

/** One members list from any of the accepted body forms, each agent once (first wins), with where to point a 400. */
export function normalizeMembers(
  body: { agentId: string; ring: number }[] | { members: { agentId: string; ring: number }[] } | { memberIds: string[] },
): { agentId: string; ring: number; path: string }[] {
  const listed = Array.isArray(body)
    ? body.map((m, i) => ({ ...m, path: `body.${i}.agentId` }))
    : 'members' in body
      ? body.members.map((m, i) => ({ ...m, path: `body.members.${i}.agentId` }))
      : body.memberIds.map((agentId, i) => ({ agentId, ring: 1, path: `body.memberIds.${i}` }));
  const seen = new Set<string>();
  return listed.filter((m) => !seen.has(m.agentId) && seen.add(m.agentId));
}
