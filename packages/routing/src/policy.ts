/** One agent who could take a conversation, with the load figures the policy ranks by. */
export interface Candidate {
  agentId: string;
  active: number;
  capacity: number;
  lastAssignedAt: Date | null;
}

/**
 * The skeleton's policy: least loaded first (share of capacity in use), then whoever waited
 * longest since their last assignment, then agent id so the order is total and repeatable.
 * Agents without free capacity are not candidates.
 */
export function rankLeastLoaded(candidates: readonly Candidate[]): Candidate[] {
  return candidates
    .filter((c) => c.capacity > 0 && c.active < c.capacity)
    .sort(
      (a, b) =>
        a.active / a.capacity - b.active / b.capacity ||
        (a.lastAssignedAt?.getTime() ?? 0) - (b.lastAssignedAt?.getTime() ?? 0) ||
        (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0),
    );
}
