import { describe, expect, it } from '@jest/globals';
import { blocking, parseAudit, type Advisory } from '../../scripts/audit.ts';

const advisory = (id: string, severity: string): Advisory => ({ id, module: 'm', severity, title: 't', url: '', paths: [] });

describe('the dependency audit', () => {
  it("reads pnpm's advisories and says when the endpoint gave none", () => {
    const report = JSON.stringify({ advisories: { 1: { github_advisory_id: 'GHSA-aaaa', module_name: 'x', severity: 'high', title: 'bad', url: 'u', findings: [{ paths: ['.>x'] }] } } });
    expect(parseAudit(report)).toEqual({ kind: 'report', advisories: [{ id: 'GHSA-aaaa', module: 'x', severity: 'high', title: 'bad', url: 'u', paths: ['.>x'] }] });
    expect(parseAudit(JSON.stringify({ error: { code: 'ERR_PNPM_AUDIT_BAD_RESPONSE', message: 'responded with 405' } }))).toEqual({ kind: 'unreachable', detail: 'ERR_PNPM_AUDIT_BAD_RESPONSE: responded with 405' });
    expect(parseAudit('not json').kind).toBe('unreachable');
  });

  it('fails on high and critical advisories unless allowed and not expired', () => {
    const all = [advisory('A', 'critical'), advisory('B', 'high'), advisory('C', 'moderate'), advisory('D', 'high')];
    const allowlist = { B: { reason: 'dev-only path', expires: '2999-01-01' }, D: { reason: 'old', expires: '2000-01-01' } };
    expect(blocking(all, allowlist).map((a) => a.id)).toEqual(['A', 'D']);
  });
});
