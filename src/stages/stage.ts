// The one Stage interface (blackbox_exporter's ProbeFn, with causes and evidence kept).
// A stage receives everything it needs in a StageContext and returns a StageOutcome;
// probe.ts owns the order, the deadlines, logging the verdict and the exit code.

import type { Logger } from 'pino';
import type { Cause, StageName } from '../causes.js';
import type { Options } from '../options.js';
import type { NetServices } from '../net/services.js';
import type { Plan } from '../plan.js';
import type { RunState } from '../state.js';

export type { StageName } from '../causes.js';

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
  readonly durationMs: number;
}

export interface StageContext {
  readonly options: Options;
  /** Aborts when the global deadline passes or the run is interrupted. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly net: NetServices;
  /** What `go` will do, decided by the config stage. */
  readonly plan: Plan;
  /** Objects handed from earlier stages to later ones (addresses, open connections, served files). */
  readonly state: RunState;
  /** Outcomes of the stages that already ran, in order. */
  readonly earlier: ReadonlyMap<StageName, StageResult>;
}

export interface Stage {
  readonly name: StageName;
  run(ctx: StageContext): Promise<StageOutcome>;
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
