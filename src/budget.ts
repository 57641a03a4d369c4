// Per-operation budgets: how long one network operation may take, as a multiple of --timeout. Decided
// here once, for the stages (StageContext.budget, built by probe.ts) and the net layer alike, so that the
// multiples are not rebuilt wherever an operation starts. The run's --deadline bounds all of them.

import { timeoutScope, timeoutSignal, type TimeoutScope } from './signals.js';

/**
 * - `layer`: one layer of one hop (a DNS lookup, a TCP connect, a CONNECT tunnel, a TLS handshake), or
 *   one wait on an HTTP answer (headers, then body): --timeout each.
 * - `request`: one HTTP GET the way go's client makes it: a connection (reused or new) and the answer.
 * - `connect`: a whole new connection: its dns, tcp and tls layers one after another, each bounded by
 *   `layer` (the HTTP client's connector).
 */
export type NetOp = 'layer' | 'request' | 'connect';

const TIMEOUTS_PER_OP: Readonly<Record<NetOp, number>> = { layer: 1, request: 2, connect: 3 };

/** The budget of one operation, in ms, for a run with --timeout `timeoutMs`. */
export function opBudgetMs(timeoutMs: number, op: NetOp): number {
  return timeoutMs * TIMEOUTS_PER_OP[op];
}

/** A signal for one operation: aborts when its budget runs out, or with `parent` (the stage's or the run's). */
export function opSignal(parent: AbortSignal | undefined, timeoutMs: number, op: NetOp): AbortSignal {
  return timeoutSignal(parent, opBudgetMs(timeoutMs, op));
}

/** opSignal for an operation that says when it is over (TimeoutScope.dispose): see timeoutScope. */
export function opScope(parent: AbortSignal | undefined, timeoutMs: number, op: NetOp): TimeoutScope {
  return timeoutScope(parent, opBudgetMs(timeoutMs, op));
}
