// What a stage returns: its status, findings, failure and evidence (stage.ts has what it receives).
// Below the stages, the run state and the reports, which all speak of findings and failures.

import type { Cause, StageName } from '../causes.js';

export type Severity = 'info' | 'warn';

/** Something worth knowing that does not make `go` fail (a `|` fallthrough, GOSUMDB=off, ...). */
export interface Finding {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly target?: string;
  readonly hint?: string;
}

/** Why `go` would fail here: every failure names the target, the cause, what was seen, and the fix. */
export interface Failure {
  readonly stage: StageName;
  readonly cause: Cause;
  readonly target: string;
  /** What was seen on the wire. */
  readonly detail: string;
  /** What to change. */
  readonly hint: string;
  /** The error text `go` would print, as closely as the probe can predict it. */
  readonly goError?: string;
  /** How long `go` itself would wait before giving up, when the probe gave up sooner. */
  readonly goWouldWait?: string;
}

export type StageStatus = 'pass' | 'fail' | 'skip';

export interface StageOutcome {
  readonly status: StageStatus;
  readonly findings: readonly Finding[];
  readonly failure?: Failure;
  /** Stage-specific evidence for report.json (queries, dials, chains, hops). JSON-serialisable. */
  readonly evidence: Record<string, unknown>;
}

export interface StageResult extends StageOutcome {
  readonly stage: StageName;
  readonly startedAt: string;
  /** From the stage's start to its outcome: workMs + waitMs. */
  readonly durationMs: number;
  /** The stage's own work: its duration less waitMs. */
  readonly workMs: number;
  /** Time spent waiting for work started before it (the pipeline's prefetcher, an earlier stage). */
  readonly waitMs: number;
}

export function pass(evidence: Record<string, unknown>, findings: readonly Finding[] = []): StageOutcome {
  return { status: 'pass', findings, evidence };
}

export function skip(evidence: Record<string, unknown>, findings: readonly Finding[] = []): StageOutcome {
  return { status: 'skip', findings, evidence };
}

export function fail(
  failure: Failure,
  evidence: Record<string, unknown>,
  findings: readonly Finding[] = [],
): StageOutcome {
  return { status: 'fail', failure, findings, evidence };
}
