// The shape of report.json: the one structured verdict every other output is derived from.
// Versioned so that consumers on the shared volume can tell what they are reading.

import type { EgressDestination } from '../egress.js';
import type { Failure, StageResult } from '../stages/outcome.js';
import type { HttpRequestRecord } from '../net/http.js';
import type { RuntimeInfo } from '../runtime.js';
import type { TrustStoreSummary } from '../net/truststore.js';

export const REPORT_SCHEMA = 'gomodprobe.report/v1';

/** One certificate of a presented chain, as summarised for report.json and metrics.prom. */
export interface CertSummary {
  target: string;
  subject: string;
  issuer: string;
  sha256: string;
  /** ISO 8601. */
  notAfter: string;
  isLeaf: boolean;
}

export interface MustBlockResult {
  target: string;
  blocked: boolean;
  /** The name did not resolve and --must-block-unresolvable-ok was not given: not blocked, not tested either. */
  unresolved?: boolean;
  detail: string;
}

export type RunVerdict = 'pass' | 'fail' | 'error';

/** Why the run ended as it did; one per exit code class, in the order decideVerdict weighs them. */
export type VerdictReason =
  | 'interrupted' // a signal stopped the run: 128+N, error
  | 'internal' // a bug in the probe: 1, error
  | 'config' // the probe could not run as configured: 2, error
  | 'must_block_reachable' // 4, fail (wins over --expect and over a failed stage)
  | 'expect_met' // 0, pass
  | 'expect_not_met' // 3, fail
  | 'stage_failed' // the stage's code, fail
  | 'passed'; // 0, pass

/**
 * One host the run reached, and how long each phase took: dns, connect and tls of its first connection,
 * first byte and body of its slowest request (by each measure). A slow hop shows here whatever stage
 * met it; absent phases did not happen (no TLS on http, no request on a first hop whose stage failed).
 */
export interface HopTiming {
  readonly origin: string;
  readonly dnsMs?: number;
  readonly connectMs?: number;
  readonly tlsMs?: number;
  readonly firstByteMs?: number;
  readonly bodyMs?: number;
  /** HTTP requests made to this origin. */
  readonly requests: number;
}

export interface RunReport {
  schema: typeof REPORT_SCHEMA;
  tool: { name: 'gomodprobe'; version: string };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** `error` = the probe could not run (bad input, internal error). */
  verdict: RunVerdict;
  exitCode: number;
  /** Why: the class of outcome the verdict and exit code come from (src/verdict.ts). */
  reason: VerdictReason;
  expect?: { expected: string; firstFailedStage: string | null; met: boolean };
  /** The first failing stage's failure. */
  failure?: Failure;
  /** Set when the verdict is `error` by an internal error or an interrupting signal (code `interrupted`). */
  error?: { code: string; message: string };
  /** In run order; stages not run are absent. */
  stages: StageResult[];
  mustBlock?: MustBlockResult[];
  /** Every destination the go of this run dials, in go's order (absent when the network stages did not run). */
  egress?: EgressDestination[];
  certificates: CertSummary[];
  /**
   * The roots go would load, once every one is parsed (the config stage decides on what is cheap and
   * parses the rest while the network waits run): per file and directory the certificates that join the
   * pool, the pool's size, what was skipped and why. Absent when the run stopped at config.
   */
  trustStore?: TrustStoreSummary;
  /** Every HTTP request the run made, in order, with the protocol it went over (h2 where ALPN chose it, as go). */
  requests?: HttpRequestRecord[];
  /** Every host the run reached, with the time of each phase (absent when the network stages did not run). */
  hops?: HopTiming[];
  /** The effective options and Go env (redacted by the caller; the reporter scrubs again). */
  settings: Record<string, unknown> & {
    /** The go whose rules the verdict follows ("go1.27.x" when only the minor is known) and where that came from. */
    goVersion?: { version: string; source: string };
  };
  /** The node that ran the probe, and whether each unit of the bundle was compiled from its V8 code cache (src/runtime.ts). */
  runtime?: RuntimeInfo;
}

/**
 * What a run checks, decided by the config stage: shown at the start of the human view and logged as
 * the `run.started` line, so that a typo or a default never goes unnoticed.
 */
export interface RunStart {
  /** GOPROXY and GOSUMDB as go will use them (redacted), each with where it came from. */
  readonly goproxy: { readonly value: string; readonly source: string };
  readonly gosumdb: { readonly value: string; readonly source: string };
  /** How many modules, and the first few as PATH@VERSION. */
  readonly moduleCount: number;
  readonly modules: readonly string[];
  /** Per first hop: the origin and how go reaches it ("direct" or "via <proxy> (<variable>)"). */
  readonly hops: readonly { readonly origin: string; readonly via: string }[];
}
