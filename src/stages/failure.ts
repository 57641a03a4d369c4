// The one failure path: a layer error (net/errors.ts: dns, tcp, tls, http, the module protocol above
// them, the git hop's ssh, or go's own refusal) becomes what a stage reports, here and only here. The stage names the cause once (causes.ts
// stagedLayerCause, stagedModuleCause), the hint comes from hints.ts with the facts of the failure, and
// the facts the error itself carries (the TLS diagnosis, the address families that were dialed, the
// status of the answer) are read from it once.

import { isModuleCause, isPolicyCause, isSshCause, policyStageCause, sshStageCause, stagedLayerCause, stagedModuleCause, type Cause, type HopStage, type StageName } from '../causes.js';
import { goWouldWaitFor, hintFor, type HintFacts } from '../hints.js';
import { ProtocolError, TcpError, TlsError, type LayerError } from '../net/errors.js';
import type { Failure } from './outcome.js';

/** A layer error as a stage names it, before the stage adds its own context (the module, the operation). */
export interface LayerFailure {
  readonly cause: Cause;
  readonly target: string;
  /** What was seen on the wire. */
  readonly detail: string;
  readonly goError: string;
  readonly hint: string;
  readonly goWouldWait?: string;
  /** The error itself: a later stage that reports the same failure names it again with its own prefix. */
  readonly layerError: LayerError;
  /** The facts the hint was made from (without those read from the error), for that later stage. */
  readonly facts: HintFacts;
}

export interface FailureSite {
  /**
   * The stage that met the host, when it is a later one: it prefixes a layer's cause (`sumdb.dns.timeout`)
   * and names a module protocol failure (`sumdb.not_found`; the proxy stage's when absent).
   */
  readonly stage?: HopStage;
  /** What the stage knows about the hop: the host go wanted, the variable that named it, the nameservers. */
  readonly facts: HintFacts;
  /** The target to report when the stage names it differently (the URL of the request); default: the error's. */
  readonly target?: string;
  /** go's text as the stage's request wraps it (`Get "<url>": ...`); default: the error's own. */
  readonly goError?: string;
}

/** The one function from a layer error to a stage's failure: cause (prefixed once), target, detail, go's text, hint. */
export function layerFailure(err: LayerError, site: FailureSite): LayerFailure {
  const cause = causeAt(err, site.stage);
  const wait = goWouldWaitFor(cause);
  return {
    cause,
    target: site.target ?? err.target,
    detail: err.message,
    goError: site.goError ?? err.goError,
    hint: hintFor(cause, { ...site.facts, ...errorFacts(err) }),
    ...(wait ? { goWouldWait: wait } : {}),
    layerError: err,
    facts: site.facts,
  };
}

/** The error's cause as the stage that met it names it. */
function causeAt(err: LayerError, stage: HopStage | undefined): Cause {
  const code = err.code;
  if (isModuleCause(code)) return stagedModuleCause(stage ?? 'proxy', code);
  if (isSshCause(code)) return sshStageCause(code);
  if (isPolicyCause(code)) return policyStageCause(code);
  return stage ? stagedLayerCause(stage, code) : code;
}

/** The same failure reported by another stage (a zip host met while the proxy stage fetched ahead, judged by redirect). */
export function restaged(f: LayerFailure, stage: HopStage, site: Omit<FailureSite, 'stage' | 'facts'> = {}): LayerFailure {
  return layerFailure(f.layerError, { facts: f.facts, target: site.target ?? f.target, goError: site.goError ?? f.goError, stage });
}

/** A stage's Failure from a layer failure (stages 1-3 report it as it is). */
export function stageFailure(stage: StageName, f: LayerFailure): Failure {
  return {
    stage,
    cause: f.cause,
    target: f.target,
    detail: f.detail,
    hint: f.hint,
    goError: f.goError,
    ...(f.goWouldWait ? { goWouldWait: f.goWouldWait } : {}),
  };
}

/** What the error itself says that the hint needs: the TLS diagnosis, the address families dialed, the status. */
function errorFacts(err: LayerError): HintFacts {
  if (err instanceof TlsError) return err.diagnosis ? { diagnosis: err.diagnosis } : {};
  if (err instanceof TcpError) return familyFacts(err);
  if (err instanceof ProtocolError && err.status !== undefined) return { status: err.status, ...(err.statusLine ? { statusLine: err.statusLine } : {}) };
  return {};
}

/**
 * What the failed connects say about address families: IPv6 addresses that were dialed and failed (a
 * NetworkPolicy written for IPv4 misses them), or, when every connect failed with ENETUNREACH in one
 * family, the family the pod has no route for (a single-stack pod).
 */
function familyFacts(err: TcpError): HintFacts {
  const attempts = err.attempts;
  const ipv6Dialed = attempts.filter((a) => a.family === 6 && !a.ok && a.errno !== 'ENETUNREACH').map((a) => a.address);
  if (ipv6Dialed.length > 0) return { ipv6Dialed };
  if (attempts.length === 0 || !attempts.every((a) => a.errno === 'ENETUNREACH' && a.family === attempts[0]!.family)) return {};
  return { missingFamily: attempts[0]!.family };
}
