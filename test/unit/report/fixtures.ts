// Builders for RunReport / StageResult values used by the report tests.
import type { Failure, StageResult } from '../../../src/stages/outcome.js';
import { REPORT_SCHEMA, type RunReport } from '../../../src/report/types.js';

export function stage(over: Partial<StageResult> & Pick<StageResult, 'stage'>): StageResult {
  const durationMs = over.durationMs ?? 12;
  const waitMs = over.waitMs ?? 0;
  return { status: 'pass', findings: [], evidence: {}, startedAt: '2025-01-01T00:00:00.000Z', durationMs, workMs: durationMs - waitMs, waitMs, ...over };
}

export const tlsFailure: Failure = {
  stage: 'tls',
  cause: 'tls.unknown_authority',
  target: 'proxy.golang.org:443',
  detail: 'x509: certificate signed by unknown authority (issuer CN=Corp MITM CA)',
  hint: 'mount the corporate CA and set SSL_CERT_FILE to it',
  goError: 'tls: failed to verify certificate: x509: certificate signed by unknown authority',
};

export function failedRun(over: Partial<RunReport> = {}): RunReport {
  const failure = over.failure ?? tlsFailure;
  return {
    schema: REPORT_SCHEMA,
    tool: { name: 'gomodprobe', version: '0.1.0' },
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:00:01.500Z',
    durationMs: 1500,
    verdict: 'fail',
    exitCode: 12,
    reason: 'stage_failed',
    failure,
    stages: [
      stage({ stage: 'config', durationMs: 1 }),
      stage({ stage: 'dns', durationMs: 12, findings: [{ code: 'dns.search_expansion', severity: 'info', message: 'tried 3 search domains' }] }),
      stage({ stage: 'tcp', durationMs: 30 }),
      stage({ stage: 'tls', status: 'fail', durationMs: 80, failure }),
    ],
    certificates: [
      {
        target: 'proxy.golang.org:443',
        subject: 'CN=proxy.golang.org',
        issuer: 'CN=Corp MITM CA',
        sha256: 'aa'.repeat(32),
        notAfter: '2026-03-01T00:00:00.000Z',
        isLeaf: true,
      },
    ],
    settings: { GOPROXY: 'https://proxy.golang.org,direct' },
    ...over,
  };
}

export function passedRun(over: Partial<RunReport> = {}): RunReport {
  const { failure: _f, ...base } = failedRun();
  return {
    ...base,
    verdict: 'pass',
    exitCode: 0,
    reason: 'passed',
    stages: ['config', 'dns', 'tcp', 'tls', 'proxy', 'sumdb', 'redirect'].map((s) =>
      stage({ stage: s as StageResult['stage'], status: s === 'redirect' ? 'skip' : 'pass' }),
    ),
    ...over,
  };
}
