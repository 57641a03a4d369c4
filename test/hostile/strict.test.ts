// --strict (#12 item 9): warn-level findings fail the gate. The config stage's risky values exit 2
// (each from VERIFICATION_RULES, the table k8s/policy is generated from); a certificate expiring
// within --cert-warn-days fails the stage that reached its host, with that stage's code. Without
// --strict the same runs pass, with the warning in the report.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LabTarget } from '../../src/lab/target.js';
import { budget, cleanupRuns, expectNoCrash, expectOutputs, expectPass, LAB_NAMES, probeLab, resetLab, startLab } from './harness.js';

let lab: LabTarget;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  await lab.close();
  cleanupRuns();
});
beforeEach(() => resetLab(lab));

describe('--strict: risky Go environment values fail the config stage (exit 2)', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['GOSUMDB=off', { GOSUMDB: 'off' }, 'config.gosumdb_off'],
    ['GONOSUMDB covering every module', { GONOSUMDB: '*' }, 'config.gonosumdb_everything'],
    // GONOPROXY set apart, or GOPRIVATE would also send every fetch direct (to origins the lab lacks).
    ['GOPRIVATE covering every module', { GOPRIVATE: '*.com,*.org,*.in,*.io,*.net,*.test', GONOPROXY: 'none.invalid' }, 'config.goprivate_everything'],
    ['GOINSECURE=*', { GOINSECURE: '*' }, 'config.goinsecure_public'],
    ['GOFLAGS=-insecure', { GOFLAGS: '-insecure' }, 'goflags.insecure'],
  ];
  for (const [name, env, code] of cases) {
    it(`${name}: a warning without --strict, exit 2 with it`, async () => {
      const lax = await probeLab(lab, { env });
      expectPass(lax, budget(6));
      expect(lax.report!.stages[0]!.findings).toContainEqual(expect.objectContaining({ code, severity: 'warn' }));

      for (const strict of [{ args: ['--strict'] }, { env: { ...env, GOMODPROBE_STRICT: 'true' } }]) {
        const r = await probeLab(lab, { env, ...strict });
        expectNoCrash(r);
        expectOutputs(r);
        expect(r.exitCode).toBe(2);
        expect(r.report).toMatchObject({ verdict: 'error', exitCode: 2, failure: { stage: 'config', cause: 'strict.warning' } });
        expect(r.report!.failure!.detail).toContain(`${code}: `);
        expect(r.termination!.split('\n')[0]).toBe('gomodprobe: ERROR at stage config: strict.warning (exit 2)');
        expect(r.report!.stages.map((s) => s.stage)).toEqual(['config']);
      }
    });
  }
});

describe('--strict and --cert-warn-days: a certificate close to expiry', () => {
  // The lab's leaf certificates are valid for 30 days.
  it('within the window of a first hop: a warning, exit 12 with --strict', async () => {
    const lax = await probeLab(lab, { args: ['--cert-warn-days', '31'] });
    expectPass(lax, budget(6));
    const tls = lax.report!.stages.find((s) => s.stage === 'tls')!;
    expect(tls.findings).toContainEqual(expect.objectContaining({ code: 'tls.expires_soon', severity: 'warn', target: expect.stringContaining(LAB_NAMES.proxy) }));
    // Hosts reached later (the checksum database, storage) are judged by the stage that reached them.
    const later = lax.report!.stages.filter((s) => s.stage !== 'tls').flatMap((s) => s.findings.filter((f) => f.code === 'tls.expires_soon').map((f) => f.target));
    expect(later.some((t) => t?.includes(LAB_NAMES.sum) || t?.includes(LAB_NAMES.storage)), JSON.stringify(later)).toBe(true);

    const r = await probeLab(lab, { args: ['--cert-warn-days', '31', '--strict'] });
    expectNoCrash(r);
    expect(r.exitCode).toBe(12);
    expect(r.report).toMatchObject({ verdict: 'fail', failure: { stage: 'tls', cause: 'strict.warning' } });
    expect(r.report!.failure!.detail).toMatch(/^tls\.expires_soon: certificate .* within 31 days/);
  });

  it('outside the window (the default 14 days): nothing to warn about, --strict passes', async () => {
    const r = await probeLab(lab, { args: ['--strict'] });
    expectPass(r, budget(6));
    expect(r.report!.stages.flatMap((s) => s.findings).filter((f) => f.severity === 'warn')).toEqual([]);
  });
});
