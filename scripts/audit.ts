/**
 * `pnpm audit:deps`: runs `pnpm audit --prod --json`, drops advisories accepted in
 * security/audit-allowlist.json (until their expiry), prints a summary, and exits 1 on any
 * high or critical advisory left, 2 when the registry's audit endpoint gives no answer.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Allowed { reason: string; expires: string }
export interface Advisory { id: string; module: string; severity: string; title: string; url: string; paths: string[] }
export type AuditOutcome = { kind: 'unreachable'; detail: string } | { kind: 'report'; advisories: Advisory[] };

const BLOCKING = new Set(['high', 'critical']);
const ROOT = join(import.meta.dirname, '..');

/** Reads pnpm's JSON: its advisories, or why the audit endpoint gave none. */
export function parseAudit(stdout: string): AuditOutcome {
  let json: any;
  try {
    json = JSON.parse(stdout);
  } catch {
    return { kind: 'unreachable', detail: `pnpm audit printed no JSON: ${stdout.slice(0, 300)}` };
  }
  if (json.error) return { kind: 'unreachable', detail: `${json.error.code}: ${json.error.message}` };
  const advisories = Object.values<any>(json.advisories ?? {}).map((a) => ({
    id: String(a.github_advisory_id ?? a.id),
    module: String(a.module_name),
    severity: String(a.severity),
    title: String(a.title),
    url: String(a.url ?? ''),
    paths: (a.findings ?? []).flatMap((f: { paths?: string[] }) => f.paths ?? []),
  }));
  return { kind: 'report', advisories };
}

/** The blocking advisories: high or critical, and not allowed (or allowed past expiry). */
export function blocking(advisories: Advisory[], allowlist: Record<string, Allowed>, now = new Date()): Advisory[] {
  return advisories.filter((a) => {
    if (!BLOCKING.has(a.severity)) return false;
    const allowed = allowlist[a.id];
    return !allowed || new Date(allowed.expires) < now;
  });
}

function main(): number {
  const allowlist = (JSON.parse(readFileSync(join(ROOT, 'security/audit-allowlist.json'), 'utf8')) as { advisories: Record<string, Allowed> }).advisories;
  const run = spawnSync('pnpm', ['audit', '--prod', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (run.error) {
    console.error(`audit: could not run pnpm: ${run.error.message}`);
    return 2;
  }
  const outcome = parseAudit(run.stdout);
  if (outcome.kind === 'unreachable') {
    console.error(`audit: the registry's audit endpoint did not answer, so nothing was checked.\n  ${outcome.detail}`);
    return 2;
  }
  const counts: Record<string, number> = {};
  for (const a of outcome.advisories) counts[a.severity] = (counts[a.severity] ?? 0) + 1;
  console.log(`audit: ${outcome.advisories.length} advisories in production dependencies ${JSON.stringify(counts)}`);
  for (const [id, allowed] of Object.entries(allowlist)) {
    if (new Date(allowed.expires) < new Date()) console.log(`audit: allow-list entry ${id} expired on ${allowed.expires}`);
  }
  const failing = blocking(outcome.advisories, allowlist);
  for (const a of outcome.advisories) {
    const mark = failing.includes(a) ? 'FAIL' : allowlist[a.id] ? 'allowed' : 'note';
    console.log(`  [${mark}] ${a.severity} ${a.id} ${a.module}: ${a.title} ${a.url}${a.paths[0] ? ` (via ${a.paths[0]})` : ''}`);
  }
  if (failing.length) {
    console.error(`audit: ${failing.length} high/critical advisories not in security/audit-allowlist.json`);
    return 1;
  }
  console.log('audit: no blocking advisories');
  return 0;
}

if (import.meta.main) process.exit(main());
