// The pipeline: fixed stage order, one deadline for the run, stop at the first failure, and the exit
// code. Stages only probe; this file owns timing, logging of verdicts and the final report.

import type { StageName } from './causes.js';
import { hintFor } from './hints.js';
import { errorMessage } from './errors.js';
import { mapStack } from './stack.js';
import { redactEnvValue, redactURL } from './goenv/redact.js';
import { formatGoDuration } from './duration.js';
import { formatGoVersion } from './goenv/goversion.js';
import type { Options } from './options.js';
import type { Plan } from './plan.js';
import { InputFiles } from './inputfile.js';
import type { NetServices } from './net/services.js';
import type { OpenedOrigin } from './net/http.js';
import { joinHostPort } from './net/netip.js';
import type { Reporter } from './report/reporter.js';
import { REPORT_SCHEMA, type CertSummary, type MustBlockResult, type RunReport, type RunStart } from './report/types.js';
import type { PlanningContext, Stage } from './stages/stage.js';
import type { StageOutcome, StageResult } from './stages/outcome.js';
import { configStage } from './stages/config.js';
import { RunState, WaitClock } from './state.js';
import { dnsStage } from './stages/dns.js';
import { tcpStage } from './stages/tcp.js';
import { tlsStage } from './stages/tls.js';
import { proxyStage } from './stages/proxy.js';
import { sumdbStage } from './stages/sumdb.js';
import { redirectStage } from './stages/redirect.js';
import { checkMustBlock } from './stages/mustblock.js';
import { buildNetServices } from './stages/netsetup.js';
import { Prefetcher } from './prefetch.js';
import { buildEgress, type EgressDestination } from './egress.js';
import { RunResolver } from './net/run-resolver.js';
import { afterAbort, runDeadline } from './signals.js';
import { opSignal } from './budget.js';
import { withOpLog } from './net/oplog.js';
import { decideVerdict, verdictFields } from './verdict.js';
import { applyStrict, certExpiryFindings } from './strict.js';
import { hopTimings } from './report/hoptimes.js';
import { runtimeInfo } from './runtime.js';
import { parsedTrustStore, trustStoreSummary, type TrustStoreSummary } from './net/truststore.js';

export const NETWORK_STAGES: readonly Stage[] = [dnsStage, tcpStage, tlsStage, proxyStage, sumdbStage, redirectStage];

/**
 * How long past the deadline (or a signal) the run still waits for a stage, the --must-block checks
 * and closing the connections, before it abandons them and reports: every operation listens to the
 * run's signal, so this only matters when one does not. Reporting takes a few ms more; the run ends
 * within --deadline + 250 ms whatever is pending.
 */
export const RUN_GRACE_MS = 100;
/** How long into the dns stage the trust store's idle-time parse starts if the first hop's lookup is not over. */
const TRUST_PARSE_AFTER_MS = 250;
/** What a wait bounded by RUN_GRACE_MS returns when it gave up. */
const ABANDONED = Symbol('abandoned');

export interface ProbeDeps {
  readonly reporter: Reporter;
  readonly version: string;
  /** Aborts when SIGTERM/SIGINT arrives; its reason is the signal's name. */
  readonly interrupt: AbortSignal;
  /** The run's input files (default: read from the disk); the demo overlays its generated files. */
  readonly inputs?: InputFiles;
}

export async function runProbe(options: Options, deps: ProbeDeps): Promise<RunReport> {
  const started = new Date();
  const t0 = performance.now();
  const deadline = runDeadline(options.deadlineMs, deps.interrupt);
  const runSignal = deadline.signal;
  // Past this point nothing pending is waited for any more (RUN_GRACE_MS after the deadline or a signal).
  const grace = afterAbort(runSignal, RUN_GRACE_MS);
  const bounded = <T>(work: Promise<T>): Promise<T | typeof ABANDONED> => Promise.race([work, grace.expired.then((): typeof ABANDONED => ABANDONED)]);
  const results = new Map<StageName, StageResult>();
  const log = deps.reporter.log;
  let net: NetServices | undefined;
  let internal: { code: string; message: string } | undefined;
  let mustBlock: MustBlockResult[] | undefined;
  let egress: EgressDestination[] | undefined;
  let trustStore: TrustStoreSummary | undefined;
  let trustTimer: NodeJS.Timeout | undefined;

  try {
    const state = new RunState();
    const inputs = deps.inputs ?? new InputFiles();
    const planning = (bound: { stage: StageName } | { work: 'prefetch' }): PlanningContext => ({
      options,
      signal: runSignal,
      log: log.child(bound),
      budget: (op, parent = runSignal) => opSignal(parent, options.timeoutMs, op),
      inputs,
      state,
      waits: new WaitClock(),
    });
    // Stage 0: config decides the plan every later stage reads (state.plan).
    const config = await runStage(configStage, planning({ stage: 'config' }));
    const plan = state.plan;
    if (plan && config.status === 'pass') {
      deps.reporter.runStarted(runStartOf(plan));
      net = buildNetServices(options, plan);
      // Nothing is prepared while the dns stage waits: an answer that arrives while the loop is busy waits
      // to be read (issue #17: undici's unit, node's http/http2 and tls, and the root pool were built in the
      // first query's wait, and its answer was read 12-40 ms after it arrived in the bench's lab). The
      // TLS context and the HTTP client load while the first hop's SYN travels, one piece per turn of the
      // event loop (NetServices.warmUp, from the tcp stage), and the pool at the first chain judged, as go
      // loads its roots at the first Verify (crypto/x509 root.go).
      // --must-block targets are independent of the pipeline: check them while it runs, so a dropped
      // target costs its timeout once, not after every stage.
      const mustBlockRun = options.mustBlock.length > 0
        ? withOpLog(log.child({ work: 'must-block' }), () => checkMustBlock(options.mustBlock, net!, runSignal, { unresolvableOk: options.mustBlockUnresolvableOk })).then((ok) => ({ ok }), (err: unknown) => ({ err }))
        : undefined;
      // The one prefetcher of the run: stages say what they learned (ctx.early), it starts what later
      // stages will need; a stage that then waits for that work counts it as waiting, not as its work.
      const early = new Prefetcher({ ...planning({ work: 'prefetch' }), plan, net });
      const certsJudged = new Set<string>();
      // The roots config did not need are parsed in idle time (PendingTrustStore: slices of <= 0.5 ms, each
      // in a turn of the event loop of its own) once the first hop's lookup is over, or TRUST_PARSE_AFTER_MS
      // into it: not while the first answer is awaited (issue #17 item 1: a collection of the heap that
      // parsing brings on, 10-15 ms with the image's flags, held a reply that arrived meanwhile). The first
      // chain judged waits for the rest, as go's first Verify loads its roots.
      const parseRoots = (): void => void plan.trust.ready?.catch(() => undefined);
      trustTimer = setTimeout(parseRoots, TRUST_PARSE_AFTER_MS);
      for (const stage of NETWORK_STAGES) {
        const result = await runStage(stage, { ...planning({ stage: stage.name }), plan, net, early }, (r) => {
          // Hosts first reached in this stage (the checksum database, storage, later GOPROXY entries): their
          // certificates are judged here, as the tls stage judged the first hops'.
          const reached = collectCertificates(results, net!.http.opened).filter((c) => !certsJudged.has(c.target));
          for (const c of reached) certsJudged.add(c.target);
          if (stage.name === 'tls' || reached.length === 0) return r;
          return { ...r, findings: [...r.findings, ...certExpiryFindings(reached, options.certWarnDays)] };
        });
        if (stage.name === 'dns') {
          clearTimeout(trustTimer);
          parseRoots();
        }
        if (result.status === 'fail') break;
      }
      // Work started ahead of its stage (src/prefetch.ts) is not needed past this point.
      early.stop();
      const resolver = net.resolver;
      egress = buildEgress({
        plan,
        results,
        opened: net.http.opened,
        answered: (host) => (resolver instanceof RunResolver ? resolver.answered(host) : undefined),
        dnsPort: options.dnsPort,
      });
      if (mustBlockRun && !deps.interrupt.aborted) {
        const outcome = await bounded(mustBlockRun);
        if (outcome === ABANDONED) {
          mustBlock = options.mustBlock.map((m) => ({ target: joinHostPort(m.host, m.port), blocked: true, detail: 'no connection before the deadline' }));
        } else if ('err' in outcome) {
          throw outcome.err;
        } else {
          mustBlock = outcome.ok;
        }
      }
      // The report counts every root: parsed by now unless the run ended before its first network wait.
      const parsed = await bounded(parsedTrustStore(plan.trust));
      trustStore = parsed === ABANDONED ? undefined : trustStoreSummary(parsed);
    }
  } catch (err) {
    internal = { code: 'internal', message: errorMessage(err) };
    log.error({ err: { message: errorMessage(err), stack: err instanceof Error && err.stack ? mapStack(err.stack) : undefined } }, 'internal error');
  } finally {
    clearTimeout(trustTimer);
    if (net) await bounded(net.close().catch(() => undefined));
    grace.cancel();
    deadline.dispose();
  }

  const stages = [...results.values()];
  const failed = stages.find((s) => s.status === 'fail');
  const interruptedBy = deps.interrupt.aborted ? signalName(deps.interrupt.reason) : undefined;
  const v = decideVerdict({ expect: options.expect, failed, internal, mustBlock, interruptedBy });
  const finished = new Date();
  const report: RunReport = {
    schema: REPORT_SCHEMA,
    tool: { name: 'gomodprobe', version: deps.version },
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    ...verdictFields(v, failed),
    stages,
    ...(mustBlock ? { mustBlock } : {}),
    ...(egress ? { egress } : {}),
    certificates: collectCertificates(results, net?.http.opened ?? []),
    ...(trustStore ? { trustStore } : {}),
    ...(net && net.http.requests.length > 0 ? { requests: [...net.http.requests] } : {}),
    ...(net ? { hops: hopTimings(results, net.http.opened, net.http.requests) } : {}),
    settings: settingsSummary(options),
    runtime: runtimeInfo(),
  };
  return report;

  /**
   * Runs one stage the same way for all seven: logged start, its own time, bounded by the deadline (plus
   * RUN_GRACE_MS for a stage that ignores its signal), --strict, logged finish; the result joins `results`.
   */
  async function runStage<C extends PlanningContext>(stage: Stage<C>, ctx: C, after: (r: StageResult) => StageResult = (r) => r): Promise<StageResult> {
    deps.reporter.stageStarted(stage.name, []);
    const startedAt = new Date().toISOString();
    const s = performance.now();
    // The stage's network operations log through its own logger at debug level (src/net/oplog.ts).
    const out = await bounded(withOpLog(ctx.log, () => guardStage(stage, ctx, runSignal, deps.interrupt)));
    const outcome = out === ABANDONED ? cutShort(stage.name, deps.interrupt, {}) : out;
    const durationMs = performance.now() - s;
    const waitMs = Math.min(ctx.waits.waitedMs, durationMs);
    let result: StageResult = after({
      ...outcome,
      stage: stage.name,
      startedAt,
      durationMs: Math.round(durationMs),
      workMs: Math.round(durationMs - waitMs),
      waitMs: Math.round(waitMs),
    });
    if (options.strict) result = applyStrict(result);
    results.set(stage.name, result);
    deps.reporter.stageFinished(result);
    return result;
  }
}

/** A stage that throws is a bug in the probe, except when the run was cut short: then it fails as itself. */
async function guardStage<C extends PlanningContext>(stage: Stage<C>, ctx: C, runSignal: AbortSignal, interrupt: AbortSignal): Promise<StageOutcome> {
  try {
    const outcome = await stage.run(ctx);
    // Interrupted: whatever the stage concluded after the signal (an aborted request looks like a timeout)
    // is not what it found. Past the deadline, a stage that failed keeps its own cause (a dropped SYN).
    if (runSignal.aborted && (interrupt.aborted || outcome.status !== 'fail')) return cutShort(stage.name, interrupt, outcome.evidence);
    return outcome;
  } catch (err) {
    if (runSignal.aborted) return cutShort(stage.name, interrupt, {});
    throw err;
  }
}

function cutShort(stage: StageName, interrupt: AbortSignal, evidence: Record<string, unknown>): StageOutcome {
  const interrupted = interrupt.aborted;
  return {
    status: 'fail',
    findings: [],
    evidence,
    failure: {
      stage,
      cause: interrupted ? 'interrupted' : 'deadline.exceeded',
      target: '-',
      detail: interrupted ? 'the run was interrupted by a signal during this stage' : 'the global deadline ran out during this stage',
      hint: hintFor(interrupted ? 'interrupted' : 'deadline.exceeded'),
    },
  };
}

/** Modules named in the run.started line; the rest are counted (2,000 modules would make a line too long). */
const RUN_START_MODULES = 10;

function runStartOf(plan: Plan): RunStart {
  const v = plan.goEnv.vars;
  return {
    goproxy: { value: redactEnvValue(v.GOPROXY.value), source: v.GOPROXY.source },
    gosumdb: { value: redactEnvValue(v.GOSUMDB.value), source: v.GOSUMDB.source },
    moduleCount: plan.modules.length,
    modules: plan.modules.slice(0, RUN_START_MODULES).map((m) => `${m.path}@${m.version ?? 'latest'}`),
    hops: plan.firstHops.map((h) => ({
      origin: h.origin,
      via: h.proxy.proxy ? `via ${redactURL(h.proxy.proxy.href)} (${h.proxy.variable ?? 'proxy'})` : `direct (${h.proxy.reason})`,
    })),
  };
}

/** The interrupt's reason is the signal's name (cli.ts); anything else counts as SIGTERM. */
function signalName(reason: unknown): NodeJS.Signals {
  return typeof reason === 'string' && /^SIG[A-Z0-9]+$/.test(reason) ? (reason as NodeJS.Signals) : 'SIGTERM';
}

/** The first hops' chains (tls stage), then those of every host reached later (sumdb, storage, toolchain, git). */
function collectCertificates(results: ReadonlyMap<StageName, StageResult>, opened: readonly OpenedOrigin[]): CertSummary[] {
  const tls = results.get('tls');
  const certs = [...((tls?.evidence['certificates'] as CertSummary[] | undefined) ?? [])];
  const seen = new Set(certs.map((c) => c.target));
  for (const o of opened) {
    if (!o.ok || !o.tls?.chain) continue;
    const url = new URL(o.origin);
    const target = joinHostPort(url.hostname.replace(/^\[|\]$/g, ''), url.port || '443');
    if (seen.has(target)) continue;
    seen.add(target);
    for (const [i, c] of o.tls.chain.entries()) certs.push({ target, ...c, isLeaf: i === 0 });
  }
  return certs;
}

function settingsSummary(options: Options): RunReport['settings'] {
  return {
    goVersion: { version: formatGoVersion(options.goVersion.version), source: options.goVersion.source },
    modules: options.modules,
    gomod: options.gomodFile,
    gowork: options.goworkFile,
    gosum: options.gosumFile,
    timeout: formatGoDuration(options.timeoutMs),
    deadline: formatGoDuration(options.deadlineMs),
    expect: options.expect,
    mustBlock: options.mustBlock.map((m) => m.raw),
    resolvConf: options.resolvConf,
    hostsFile: options.hostsFile,
    dnsPort: options.dnsPort,
    env: options.env,
  };
}
