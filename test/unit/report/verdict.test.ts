// One verdict everywhere: over every combination of outcomes (pass/fail per stage, --expect,
// --must-block, an interrupting signal, a config failure, an internal error), the exit code,
// report.json, the termination message, JUnit, metrics.prom, the run.finished log line and the human
// summary all tell the same story. The issue this guards: `--expect fail:dns --must-block HOST` with a
// reachable HOST exited 4 while the termination message said "PASS".

import fc from 'fast-check';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { STAGE_EXIT_CODES, STAGE_NAMES, type StageName } from '../../../src/causes.js';
import type { Expectation } from '../../../src/options.js';
import { formatSummary, palette } from '../../../src/report/human.js';
import { formatJUnit } from '../../../src/report/junit.js';
import { formatMetrics } from '../../../src/report/metrics.js';
import { createReporter } from '../../../src/report/reporter.js';
import { formatTerminationMessage } from '../../../src/report/termination.js';
import { REPORT_SCHEMA, type MustBlockResult, type RunReport } from '../../../src/report/types.js';
import type { Failure, StageResult } from '../../../src/stages/outcome.js';
import { decideVerdict, verdictFields, verdictWord } from '../../../src/verdict.js';
import { stage } from './fixtures.js';

interface Case {
  /** Index in STAGE_NAMES of the first failed stage; STAGE_NAMES.length = none failed. */
  readonly failAt: number;
  readonly failCause: 'own' | 'deadline.exceeded';
  readonly skipRedirect: boolean;
  readonly expect: Expectation | undefined;
  readonly mustBlock: readonly MustBlockResult[] | undefined;
  readonly interruptedBy: 'SIGTERM' | 'SIGINT' | undefined;
  readonly internal: boolean;
}

const NETWORK = STAGE_NAMES.filter((s) => s !== 'config');

const caseArb: fc.Arbitrary<Case> = fc.record({
  failAt: fc.integer({ min: 0, max: STAGE_NAMES.length }),
  failCause: fc.constantFrom('own' as const, 'deadline.exceeded' as const),
  skipRedirect: fc.boolean(),
  expect: fc.option(fc.oneof(fc.constant<Expectation>({ kind: 'pass' }), fc.constantFrom(...NETWORK).map((s): Expectation => ({ kind: 'fail', stage: s }))), { nil: undefined }),
  mustBlock: fc.option(
    fc.array(fc.record({ target: fc.constantFrom('127.0.0.1:5399', 'proxy.golang.org:443', '[2001:db8::1]:443'), blocked: fc.boolean(), detail: fc.constant('seen') }), { minLength: 1, maxLength: 3 })
      .map((list) => list.filter((m, i) => list.findIndex((o) => o.target === m.target) === i)),
    { nil: undefined },
  ),
  interruptedBy: fc.option(fc.constantFrom('SIGTERM' as const, 'SIGINT' as const), { nil: undefined }),
  internal: fc.boolean(),
});

function failureOf(name: StageName, c: Case): Failure {
  const cause = c.interruptedBy ? 'interrupted' : c.failCause === 'deadline.exceeded' ? 'deadline.exceeded' : name === 'config' ? 'config.invalid' : `${name === 'redirect' ? 'redirect.tcp' : name === 'proxy' ? 'proxy' : name === 'sumdb' ? 'sumdb' : name}.${name === 'proxy' ? 'not_found' : name === 'sumdb' ? 'bad_signature' : 'refused'}`;
  return { stage: name, cause: cause as Failure['cause'], target: `${name}.example:443`, detail: `seen at ${name}`, hint: `fix ${name}` };
}

/** The RunReport probe.ts would assemble for this case (the same decideVerdict and verdictFields). */
function reportFor(c: Case): RunReport {
  const stages: StageResult[] = [];
  for (let i = 0; i < STAGE_NAMES.length && i <= c.failAt; i++) {
    const name = STAGE_NAMES[i]!;
    if (i === c.failAt) stages.push(stage({ stage: name, status: 'fail', failure: failureOf(name, c) }));
    else stages.push(stage({ stage: name, status: name === 'redirect' && c.skipRedirect ? 'skip' : 'pass' }));
  }
  const failed = stages.find((s) => s.status === 'fail');
  // --must-block is checked only when the config stage passed.
  const mustBlock = failed?.stage === 'config' ? undefined : c.mustBlock;
  const v = decideVerdict({
    expect: c.expect,
    failed,
    internal: c.internal ? { code: 'internal', message: 'a bug' } : undefined,
    mustBlock,
    interruptedBy: c.interruptedBy,
  });
  return {
    schema: REPORT_SCHEMA,
    tool: { name: 'gomodprobe', version: 'test' },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    durationMs: 1000,
    ...verdictFields(v, failed),
    stages,
    ...(mustBlock ? { mustBlock: [...mustBlock] } : {}),
    certificates: [],
    settings: {},
  };
}

/** What the exit code alone says the verdict is. */
function verdictOfExitCode(code: number): RunReport['verdict'] {
  if (code === 0) return 'pass';
  if (code === 1 || code === 2 || code > 128) return 'error';
  return 'fail';
}

async function runFinishedLine(report: RunReport): Promise<Record<string, unknown>> {
  let out = '';
  const stdout = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  });
  const reporter = createReporter({ format: 'json', stdout, stdoutIsTTY: false, secrets: [] });
  await reporter.finish(report);
  const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  return lines.find((l) => l['event'] === 'run.finished')!;
}

describe('one verdict: every output agrees with the exit code', () => {
  it('holds for every combination of stage outcomes, --expect, --must-block, signals, config and internal errors', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const report = reportFor(c);
        const code = report.exitCode;
        const word = verdictWord(report.verdict);
        const reachable = (report.mustBlock ?? []).filter((m) => !m.blocked).map((m) => m.target);

        // The exit code and report.json's verdict are one decision.
        expect(report.verdict).toBe(verdictOfExitCode(code));
        const json = JSON.parse(JSON.stringify(report)) as RunReport;
        expect([json.verdict, json.exitCode, json.reason]).toEqual([report.verdict, code, report.reason]);
        if (c.interruptedBy) expect(code).toBe(c.interruptedBy === 'SIGTERM' ? 143 : 130);
        else if (c.internal) expect(code).toBe(1);
        else if (c.failAt === 0) expect(code).toBe(2);
        else if (reachable.length > 0) expect(code).toBe(4);

        // Termination message: the word, the exit code, and every reachable target by name.
        const termination = formatTerminationMessage(report);
        const head = termination.split('\n')[0]!;
        expect(head.startsWith(`gomodprobe: ${word}`)).toBe(true);
        expect(head.endsWith(`(exit ${code})`)).toBe(true);
        for (const t of reachable) expect(termination).toContain(t);
        if (report.verdict !== 'pass') expect(termination).not.toMatch(/\bPASS\b/);

        // JUnit: green exactly when the verdict is pass; the properties carry the same verdict.
        const junit = formatJUnit(report);
        const failures = Number(/<testsuites[^>]* failures="(\d+)"/.exec(junit)![1]);
        const errors = Number(/<testsuites[^>]* errors="(\d+)"/.exec(junit)![1]);
        expect(failures + errors === 0).toBe(report.verdict === 'pass');
        expect(junit).toContain(`<property name="verdict" value="${report.verdict}"/>`);
        expect(junit).toContain(`<property name="exitCode" value="${code}"/>`);
        for (const t of reachable) expect(junit).toContain(`reachable but must be blocked: ${t}`);

        // metrics.prom
        const metrics = formatMetrics(report);
        expect(metrics).toContain(`\ngomodprobe_run_success ${report.verdict === 'pass' ? 1 : 0}\n`);
        expect(metrics).toContain(`\ngomodprobe_exit_code ${code}\n`);

        // The human summary: the word first, the exit code, each reachable target after its label.
        const summary = formatSummary(report, { written: [], warnings: [] }, palette(false));
        const first = summary.split('\n').find((l) => l.trim() !== '')!;
        expect(first.startsWith(`${word}  `)).toBe(true);
        expect(first.endsWith(`(exit ${code})`)).toBe(true);
        for (const t of reachable) expect(summary).toMatch(new RegExp(`reachable +${t.replace(/[[\]]/g, '\\$&')} must be blocked`));

        // The run.finished log line (stdout and gomodprobe.ndjson).
        const line = await runFinishedLine(report);
        expect([line['verdict'], line['exitCode'], line['reason']]).toEqual([report.verdict, code, report.reason]);
      }),
      { numRuns: 300 },
    );
  });

  it('--expect fail:dns with a reachable --must-block target: exit 4, FAIL everywhere, the target named', () => {
    const report = reportFor({
      failAt: STAGE_NAMES.indexOf('dns'),
      failCause: 'own',
      skipRedirect: false,
      expect: { kind: 'fail', stage: 'dns' },
      mustBlock: [{ target: '127.0.0.1:5399', blocked: false, detail: 'TCP connect to 127.0.0.1:5399 succeeded in 0.2 ms' }],
      interruptedBy: undefined,
      internal: false,
    });
    expect(report).toMatchObject({ verdict: 'fail', exitCode: 4, reason: 'must_block_reachable', expect: { met: true } });
    expect(formatTerminationMessage(report).split('\n')).toEqual([
      'gomodprobe: FAIL: 1 must-block target(s) reachable: 127.0.0.1:5399 (exit 4)',
      'reachable but must be blocked: 127.0.0.1:5399',
    ]);
    const summary = formatSummary(report, { written: [], warnings: [] }, palette(false));
    expect(summary).toContain('FAIL  1 must-block target(s) reachable: 127.0.0.1:5399  1.0 s  (exit 4)');
    expect(summary).toContain('  reachable 127.0.0.1:5399 must be blocked: TCP connect');
    expect(formatMetrics(report)).toContain('gomodprobe_run_success 0');
  });

  it('--expect pass with a reachable --must-block target is not a pass', () => {
    const report = reportFor({
      failAt: STAGE_NAMES.length,
      failCause: 'own',
      skipRedirect: false,
      expect: { kind: 'pass' },
      mustBlock: [{ target: 'proxy.golang.org:443', blocked: false, detail: 'connected' }],
      interruptedBy: undefined,
      internal: false,
    });
    expect(report).toMatchObject({ verdict: 'fail', exitCode: 4 });
    expect(formatMetrics(report)).toContain('gomodprobe_run_success 0');
  });

  it('exit codes of the stages are the documented ones', () => {
    for (const name of STAGE_NAMES.slice(1)) {
      const r = reportFor({ failAt: STAGE_NAMES.indexOf(name), failCause: 'own', skipRedirect: false, expect: undefined, mustBlock: undefined, interruptedBy: undefined, internal: false });
      expect(r.exitCode).toBe(STAGE_EXIT_CODES[name]);
    }
  });
});
