// The one verdict of a run. The exit code, report.json's verdict/exitCode/reason, the termination
// message, the JUnit file, the metrics and the human summary are all derived from what
// decideVerdict returns (through the RunReport that carries it), so that no output can say PASS while
// the process exits 4.
//
// Invariants (test/unit/report/verdict.test.ts checks them over every combination of outcomes):
//   verdict 'pass'  <=> exit 0
//   verdict 'error' <=> exit 1 (internal), 2 (config), 128+N (interrupted by signal N)
//   verdict 'fail'  <=> exit 3, 4 or a stage's code (10-15)

import { constants } from 'node:os';
import { EXIT, STAGE_EXIT_CODES, STAGE_NAMES } from './causes.js';
import type { Expectation } from './options.js';
import type { MustBlockResult, RunReport, RunVerdict, VerdictReason } from './report/types.js';
import type { StageResult } from './stages/outcome.js';

export interface VerdictFacts {
  readonly expect: Expectation | undefined;
  /** The first stage that failed, if any. */
  readonly failed: StageResult | undefined;
  readonly internal: { readonly code: string; readonly message: string } | undefined;
  readonly mustBlock: readonly MustBlockResult[] | undefined;
  /** The signal that interrupted the run (SIGTERM, SIGINT), if one did. */
  readonly interruptedBy: NodeJS.Signals | undefined;
}

export interface Verdict {
  readonly verdict: RunVerdict;
  readonly exitCode: number;
  readonly reason: VerdictReason;
  readonly expect?: { readonly expected: string; readonly firstFailedStage: string | null; readonly met: boolean };
  /** Set when the verdict is `error` without a failed stage to explain it (internal, interrupted). */
  readonly error?: { readonly code: string; readonly message: string };
}

/** 128 + the signal's number, as a shell reports a process killed by it: SIGTERM 143, SIGINT 130. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? constants.signals.SIGTERM);
}

function expectationMet(expect: Expectation, failed: StageResult | undefined): boolean {
  if (expect.kind === 'pass') return failed === undefined;
  const cause = failed?.failure?.cause;
  // A stage cut short by the deadline did not fail the way the policy makes it fail.
  return failed !== undefined && failed.stage === expect.stage && cause !== 'interrupted' && cause !== 'deadline.exceeded';
}

export function decideVerdict(facts: VerdictFacts): Verdict {
  const { expect, failed, internal, mustBlock, interruptedBy } = facts;
  const expectation = expect
    ? {
        expect: {
          expected: expect.kind === 'pass' ? 'pass' : `fail:${expect.stage}`,
          firstFailedStage: failed?.stage ?? null,
          met: expectationMet(expect, failed),
        },
      }
    : {};
  if (interruptedBy) {
    return { verdict: 'error', exitCode: signalExitCode(interruptedBy), reason: 'interrupted', ...expectation, error: { code: 'interrupted', message: `received ${interruptedBy}` } };
  }
  if (internal) return { verdict: 'error', exitCode: EXIT.internal, reason: 'internal', ...expectation, error: internal };
  // The probe could not run as configured: never an expected failure.
  if (failed?.stage === 'config') return { verdict: 'error', exitCode: STAGE_EXIT_CODES.config, reason: 'config', ...expectation };
  if (mustBlock?.some((m) => !m.blocked)) return { verdict: 'fail', exitCode: EXIT.mustBlockReachable, reason: 'must_block_reachable', ...expectation };
  if (expectation.expect) {
    return expectation.expect.met
      ? { verdict: 'pass', exitCode: EXIT.ok, reason: 'expect_met', ...expectation }
      : { verdict: 'fail', exitCode: EXIT.expectNotMet, reason: 'expect_not_met', ...expectation };
  }
  if (failed) return { verdict: 'fail', exitCode: STAGE_EXIT_CODES[failed.stage], reason: 'stage_failed' };
  return { verdict: 'pass', exitCode: EXIT.ok, reason: 'passed' };
}

/** The report.json fields that carry the verdict (probe.ts spreads them into the RunReport). */
export function verdictFields(v: Verdict, failed: StageResult | undefined): Pick<RunReport, 'verdict' | 'exitCode' | 'reason' | 'expect' | 'failure' | 'error'> {
  return {
    verdict: v.verdict,
    exitCode: v.exitCode,
    reason: v.reason,
    ...(v.expect ? { expect: v.expect } : {}),
    ...(failed?.failure ? { failure: failed.failure } : {}),
    ...(v.error ? { error: v.error } : {}),
  };
}

/** PASS, FAIL or ERROR: the first word of every human-facing output. */
export function verdictWord(verdict: RunVerdict): 'PASS' | 'FAIL' | 'ERROR' {
  return verdict === 'pass' ? 'PASS' : verdict === 'fail' ? 'FAIL' : 'ERROR';
}

/** The must-block targets that were reachable. */
export function reachableTargets(report: Pick<RunReport, 'mustBlock'>): string[] {
  // A name that did not resolve was not tested (without --must-block-unresolvable-ok): not blocked, and said so.
  return (report.mustBlock ?? []).filter((m) => !m.blocked).map((m) => (m.unresolved ? `${m.target} (does not resolve: not tested)` : m.target));
}

/**
 * The verdict as one sentence, without the exit code: "FAIL at stage tls: tls.expired",
 * "PASS: 7/7 stages passed", "ERROR: interrupted (received SIGTERM) during stage dns". The
 * termination message's header is this sentence.
 */
export function verdictSentence(report: RunReport): string {
  const text = verdictHeadline(report);
  // "FAIL at stage ...", "ERROR config.bad_flag: ..." read on without a colon; the rest is a clause.
  const runsOn = text.startsWith('at stage ') || ((report.reason === 'internal' || report.reason === 'config') && report.error !== undefined);
  return `${verdictWord(report.verdict)}${runsOn ? ' ' : ': '}${text}`;
}

/**
 * What the verdict is and why, without the leading word and the exit code: the termination
 * message's header and the human summary's first line are built from it.
 */
export function verdictHeadline(report: RunReport): string {
  const f = report.failure;
  const x = report.expect;
  const got = x?.firstFailedStage ?? 'none (all stages passed)';
  switch (report.reason) {
    case 'interrupted':
      return `interrupted (${report.error?.message ?? 'signal'})${f ? ` during stage ${f.stage}` : ''}`;
    case 'internal':
      return report.error ? `${report.error.code}: ${report.error.message}` : 'internal error';
    case 'config':
      if (report.error) return `${report.error.code}: ${report.error.message}`;
      return f ? `at stage ${f.stage}: ${f.cause}` : 'the probe could not run';
    case 'must_block_reachable': {
      const reachable = reachableTargets(report);
      return `${reachable.length} must-block target(s) reachable: ${reachable.join(', ')}`;
    }
    case 'expect_met':
      return `expected ${x?.expected}, first failed stage ${got}${f ? `: ${f.cause} at ${f.target}` : ''}`;
    case 'expect_not_met':
      return `expected ${x?.expected}, but the first failed stage was ${got}`;
    case 'stage_failed':
      return f ? `at stage ${f.stage}: ${f.cause}` : 'a stage failed';
    case 'passed': {
      const passed = report.stages.filter((s) => s.status === 'pass').length;
      const skipped = report.stages.filter((s) => s.status === 'skip').length;
      return `${passed}/${STAGE_NAMES.length} stages passed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
    }
  }
}
