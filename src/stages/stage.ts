// The one Stage interface (blackbox_exporter's ProbeFn, with causes and evidence kept).
// A stage receives everything it needs in a StageContext and returns a StageOutcome; probe.ts owns the
// order, the deadline, the per-operation budgets, logging each stage's start and finish, and the exit code.
// What a stage returns (its outcome, findings and failure) is in outcome.ts.

import type { Logger } from 'pino';
import type { StageName } from '../causes.js';
import type { NetOp } from '../budget.js';
import type { InputFiles } from '../inputfile.js';
import type { Options } from '../options.js';
import type { NetServices } from '../net/services.js';
import type { Plan } from '../plan.js';
import type { RunState, WaitClock } from '../state.js';
import type { StageOutcome } from './outcome.js';

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
