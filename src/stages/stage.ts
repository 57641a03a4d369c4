// The one Stage interface (blackbox_exporter's ProbeFn, with causes and evidence kept).
// A stage receives everything it needs in a StageContext and returns a StageOutcome; probe.ts owns the
// order, the deadline, the per-operation budgets, logging each stage's start and finish, and the exit code.

import type { Logger } from 'pino';
import type { Cause, StageName } from '../causes.js';
import type { NetOp } from '../budget.js';
import type { InputFiles } from '../inputfile.js';
import type { Options } from '../options.js';
import type { NetServices } from '../net/services.js';
import type { Plan } from '../plan.js';
import type { RunState, WaitClock } from '../state.js';

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
  /** From the stage's start to its outcome: workMs + waitMs. */
  readonly durationMs: number;
  /** The stage's own work: its duration less waitMs. */
  readonly workMs: number;
  /** Time spent waiting for work started before it (the pipeline's prefetcher, an earlier stage). */
  readonly waitMs: number;
}

/** What the work of one run needs, whoever does it: a stage, or the prefetcher probe.ts runs beside them. */
export interface WorkContext {
  readonly options: Options;
  /** Aborts when the global deadline passes or the run is interrupted. */
  readonly signal: AbortSignal;
  /** The pipeline's logger bound to this worker (pino child: { stage } or { work }). */
  readonly log: Logger;
  /** A signal for one network operation: its budget (a multiple of --timeout, src/budget.ts), or this worker's signal. */
  budget(op: NetOp, parent?: AbortSignal): AbortSignal;
  /** The run's input files, read once each through the one bounded reader. */
  readonly inputs: InputFiles;
  /** Objects handed from earlier stages to later ones (the plan, addresses, open connections) and the run's shared work. */
  readonly state: RunState;
  /** The time this worker waits for shared work another one started (RunState's caches). */
  readonly waits: WaitClock;
  /** What `go` will do, decided by the config stage. */
  readonly plan: Plan;
  /** The run's network services, built from the plan. */
  readonly net: NetServices;
}

/** What every stage receives: everything it needs, nothing global (blackbox_exporter's ProbeFn arguments). */
export interface StageContext extends WorkContext {
  /** Tells the pipeline what became known, so that it starts the work later stages will need (src/prefetch.ts). */
  readonly early: EarlyWork;
}

/** The work the pipeline starts ahead of the stage that needs it. */
export interface EarlyWork {
  /** A module version go will fetch: its zip and its checksum database lookup can start. */
  versionKnown(path: string, version: string): void;
}

/**
 * The config stage runs before there is a plan or network services (it decides them): its context is
 * every other stage's without those (nor early work to start).
 */
export type PlanningContext = Omit<StageContext, 'plan' | 'net' | 'early'>;

/** One stage of the pipeline: each of the seven is a value of this type (config's takes the planning context). */
export interface Stage<Context extends PlanningContext = StageContext> {
  readonly name: StageName;
  run(ctx: Context): Promise<StageOutcome>;
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
