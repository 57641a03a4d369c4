// The values k8s/policy refuses at admission fail the gate at run time under --strict, whichever way
// they reach the pod (an env value the policy sees, or a ConfigMap through envFrom that it cannot):
// every rule of VERIFICATION_RULES, through the real pipeline against the lab target.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabTarget } from '../../../src/lab/target.js';
import { VERIFICATION_RULES } from '../../../src/goenv/verification-rules.js';
import { probeLab, startLab } from './harness.js';

let lab: LabTarget;
beforeAll(async () => {
  lab = await startLab();
}, 60_000);
afterAll(async () => {
  await lab?.close();
});

/** A value each rule refuses. */
const REFUSED: Readonly<Record<string, string>> = {
  GOSUMDB: 'off',
  GONOSUMDB: '*',
  GOPRIVATE: '*.*',
  GOINSECURE: '*',
  GOFLAGS: '-insecure',
  GOPROXY: 'http://goproxy.example.com',
};

describe('--strict and the verification rules', () => {
  it.each(VERIFICATION_RULES.map((r) => [r.variable, r] as const))('%s: a warning without --strict, exit 2 with it', async (variable, rule) => {
    const value = REFUSED[variable]!;
    expect(rule.refuses(value)).toBe(true);
    const strict = await probeLab(lab, { env: { [variable]: value }, args: ['--strict'] });
    expect(strict.exitCode).toBe(2);
    expect(strict.report.failure).toMatchObject({ stage: 'config', cause: 'strict.warning', target: variable });
    expect(strict.report.failure!.detail).toContain(rule.code);
    const lenient = await probeLab(lab, { env: { [variable]: value } });
    expect(lenient.report.stages.find((s) => s.stage === 'config')!.findings).toContainEqual(expect.objectContaining({ code: rule.code, severity: 'warn', target: variable }));
  });
});
