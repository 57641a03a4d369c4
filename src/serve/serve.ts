// `gomodprobe serve`: fleet mode, a long-running exporter in the manner of blackbox_exporter. It runs
// the probe every --interval (jittered; one scheduled run at a time, each bounded by --deadline) and
// serves, on --listen:
//   /metrics      the last scheduled run's gauges with the exporter's identity, counters, a histogram
//   /probe        one run on demand (?module=PATH@VERSION&deadline=DURATION), answered with its metrics
//   /report.json  the last scheduled run's report, as report.json
//   /-/healthy    200 while the scheduler is alive; /-/ready 200 once the first run has finished
// SIGTERM/SIGINT stop it cleanly: no new run starts, runs in flight are interrupted, the port closes.
// `serve --demo [--break STAGE]` probes the embedded demo target instead (src/demo.ts, src/lab).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT, STAGE_EXIT_CODES } from '../causes.js';
import type { ProbeIo } from '../run.js';
import { demoArgv, demoEnv, overlayIo, DEMO_FILES_DIR, type BreakableStage } from '../demo.js';
import { InputError, errorMessage, sysCode } from '../errors.js';
import { STOCK_GO_ENV } from '../goenv/env.js';
import { InputFiles } from '../inputfile.js';
import { parseProxyList } from '../goenv/proxylist.js';
import { LabTarget } from '../lab/target.js';
import { listen, type Listening } from '../lab/serve.js';
import { parseDuration } from '../duration.js';
import { parseOptions, printable, type Options } from '../options.js';
import { runProbe } from '../probe.js';
import { createLogger } from '../report/logger.js';
import { createScrubber, scrubDeep } from '../report/redact.js';
import { createReporter } from '../report/reporter.js';
import { StreamSink } from '../report/sinks.js';
import type { RunReport } from '../report/types.js';
import { collectSecrets } from '../secrets.js';
import { FleetMetrics, onDemandMetrics, type Identity } from './metrics.js';

export interface ServeDeps {
  readonly version: string;
}

/** /probe runs at once at most, beside the scheduled one; more are answered 429. */
export const ON_DEMAND_CONCURRENCY = 2;
/** /probe runs per minute at most (a token bucket: bursts up to this, then one every 60/N s). */
export const ON_DEMAND_PER_MINUTE = 30;
/** /probe takes at most this many module parameters. */
export const ON_DEMAND_MAX_MODULES = 10;
/** The query parameters /probe takes: the per-run settings that cannot point the probe somewhere else. */
export const ON_DEMAND_PARAMS = ['module', 'deadline'] as const;
/** The scheduled run's jitter: each interval is stretched or shrunk by up to this fraction. */
export const INTERVAL_JITTER = 0.1;
/** A run still going this long past its deadline means the scheduler is stuck: /-/healthy says so. */
const STUCK_AFTER_DEADLINE_MS = 30_000;
/** How long a shutdown waits for interrupted runs to write their reports. */
const SHUTDOWN_GRACE_MS = 5_000;

/** One probe run's inputs: its Options and where its files are read from. */
interface RunInputs {
  readonly options: Options;
  readonly io: ProbeIo;
}

/** What the exporter probes: the process's own Go environment, or the demo target. */
interface ProbeTarget {
  /** The inputs of a run, with the modules and deadline of an on-demand run when given. */
  inputs(change: { readonly modules?: readonly string[]; readonly deadlineMs?: number; readonly scheduled: boolean }): RunInputs;
  close(): Promise<void>;
}

function environmentTarget(options: Options): ProbeTarget {
  return {
    inputs({ modules, deadlineMs, scheduled }) {
      const runOptions: Options = Object.freeze({
        ...options,
        ...(modules ? { modules: Object.freeze([...modules]), gomodFile: undefined, gosumFile: undefined } : {}),
        ...(deadlineMs !== undefined ? { deadlineMs } : {}),
        // Only the scheduled run writes the report dir: an on-demand run must not replace what it shows.
        ...(scheduled ? {} : { reportDir: undefined }),
        terminationLog: undefined,
        junitFile: undefined,
      });
      return { options: runOptions, io: {} };
    },
    close: async () => undefined,
  };
}

async function demoTarget(options: Options): Promise<ProbeTarget> {
  const lab = await LabTarget.start({});
  if (options.demoBreak) lab.breakAt(options.demoBreak);
  return {
    inputs({ modules, deadlineMs, scheduled }) {
      lab.forgetRequests();
      const inputs = lab.inputs(DEMO_FILES_DIR);
      const user: Options = {
        ...options,
        modules: modules ?? options.modules,
        deadlineMs: deadlineMs ?? options.deadlineMs,
        ...(scheduled ? {} : { reportDir: undefined }),
        junitFile: undefined,
      };
      const runOptions = parseOptions({
        argv: demoArgv(user, inputs.args, 'serve'),
        env: demoEnv(inputs.env, false),
        stdoutIsTTY: false,
        terminationLogExists: false,
      });
      return { options: runOptions, io: overlayIo(inputs.files) };
    },
    close: () => lab.close(),
  };
}

/** The `goproxy` identity label: the host of the first GOPROXY entry, or what that entry is (direct, off). */
export function goproxyIdentity(env: Readonly<Record<string, string>>): string {
  const list = parseProxyList(env['GOPROXY'] || STOCK_GO_ENV['GOPROXY']!, '');
  if (!list.ok) return 'invalid';
  const first = list.entries[0];
  if (!first) return 'none';
  if (first.kind !== 'url') return first.kind;
  try {
    // The host only: no user info (a secret), no port (the demo's ports change with every start).
    return new URL(first.url).hostname || 'file';
  } catch {
    return 'invalid';
  }
}

/** A token bucket and an in-flight count for /probe. */
class OnDemandLimit {
  #inFlight = 0;
  #tokens = ON_DEMAND_PER_MINUTE;
  #refilledAt = performance.now();

  /** Takes a slot, or says why not (and when to retry, in seconds). */
  take(): { ok: true } | { ok: false; reason: string; retryAfter: number } {
    const now = performance.now();
    this.#tokens = Math.min(ON_DEMAND_PER_MINUTE, this.#tokens + ((now - this.#refilledAt) / 60_000) * ON_DEMAND_PER_MINUTE);
    this.#refilledAt = now;
    if (this.#inFlight >= ON_DEMAND_CONCURRENCY) return { ok: false, reason: `${ON_DEMAND_CONCURRENCY} /probe runs are already under way`, retryAfter: 1 };
    if (this.#tokens < 1) {
      return { ok: false, reason: `more than ${ON_DEMAND_PER_MINUTE} /probe runs in a minute`, retryAfter: Math.ceil(((1 - this.#tokens) * 60) / ON_DEMAND_PER_MINUTE) };
    }
    this.#tokens -= 1;
    this.#inFlight++;
    return { ok: true };
  }

  release(): void {
    this.#inFlight--;
  }
}

/** /probe's query, checked: only ON_DEMAND_PARAMS, bounded; an error names the first bad parameter. */
export function parseProbeQuery(search: URLSearchParams, maxDeadlineMs: number): { modules?: string[]; deadlineMs?: number } | { error: string } {
  for (const key of new Set(search.keys())) {
    if (!(ON_DEMAND_PARAMS as readonly string[]).includes(key)) {
      return { error: `unknown parameter "${printable(key)}" (/probe takes: ${ON_DEMAND_PARAMS.join(', ')})` };
    }
  }
  const modules = search.getAll('module');
  if (modules.length > ON_DEMAND_MAX_MODULES) return { error: `at most ${ON_DEMAND_MAX_MODULES} module parameters` };
  for (const m of modules) {
    // eslint-disable-next-line no-control-regex
    if (m.length === 0 || m.length > 512 || /[\u0000-\u001f\u007f\s]/.test(m)) return { error: `module "${printable(m)}" is not PATH@VERSION` };
  }
  const deadlines = search.getAll('deadline');
  let deadlineMs: number | undefined;
  if (deadlines.length > 1) return { error: 'deadline given more than once' };
  if (deadlines.length === 1) {
    try {
      deadlineMs = parseDuration(deadlines[0]!);
    } catch (err) {
      return { error: `deadline: ${errorMessage(err)}` };
    }
    if (deadlineMs <= 0 || deadlineMs > maxDeadlineMs) return { error: `deadline must be more than 0 and at most --deadline (${maxDeadlineMs} ms)` };
  }
  return { ...(modules.length > 0 ? { modules } : {}), ...(deadlineMs !== undefined ? { deadlineMs } : {}) };
}

export async function runServe(options: Options, deps: ServeDeps): Promise<number> {
  if (options.expect) {
    // The alerts judge the verdict: an expectation would turn a failing fetch into a passing run.
    process.stderr.write(`gomodprobe: ${new InputError('--expect', 'has no meaning with serve: alert on gomodprobe_run_success instead').message}\n`);
    return STAGE_EXIT_CODES.config;
  }
  const log = createLogger({
    level: options.logLevel,
    sinks: [{ level: 'debug', sink: new StreamSink(process.stdout, () => undefined) }],
    scrub: createScrubber(await collectSecrets(options, new InputFiles())),
  }).child({ event: 'serve' });
  const stopping = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!stopping.signal.aborted) stopping.abort(new Error(`received ${signal}`));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  let target: ProbeTarget | undefined;
  let listening: Listening | undefined;
  try {
    target = options.serve.demo ? await demoTarget(options) : environmentTarget(options);
    const identity: Identity = {
      name: options.serve.name,
      namespace: options.serve.namespace,
      goproxy: goproxyIdentity(target.inputs({ scheduled: true }).options.env),
    };
    const exporter = new Exporter(options, deps, target, identity, stopping.signal);
    const server = createServer({ maxHeaderSize: 16 * 1024, headersTimeout: 10_000, requestTimeout: options.deadlineMs + 10_000 }, (req, res) => {
      exporter.handle(req, res).catch((err: unknown) => {
        log.error({ err: { message: errorMessage(err) } }, 'request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('internal error\n');
      });
    });
    try {
      listening = await listen(server, { host: options.serve.listen.host || '::', port: options.serve.listen.port });
    } catch (err) {
      // An IPv6-less host: every IPv4 address instead of every address.
      if (options.serve.listen.host === '' && sysCode(err) === 'EAFNOSUPPORT') {
        listening = await listen(server, { host: '0.0.0.0', port: options.serve.listen.port });
      } else {
        throw new InputError(`--listen ${printable(`${options.serve.listen.host}:${options.serve.listen.port}`)}`, errorMessage(err));
      }
    }
    log.info({ listen: `${options.serve.listen.host}:${listening.port}`, intervalMs: options.serve.intervalMs, demo: options.serve.demo, ...identity }, 'serving');
    await exporter.schedule();
    log.info({ reason: errorMessage(stopping.signal.reason) }, 'shutting down');
    await exporter.drain(SHUTDOWN_GRACE_MS);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof InputError) {
      process.stderr.write(`gomodprobe: ${err.message}\n`);
      return STAGE_EXIT_CODES.config;
    }
    process.stderr.write(`gomodprobe: serve failed: ${errorMessage(err)}\n`);
    return EXIT.internal;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await listening?.close();
    await target?.close();
  }
}

/** The scheduler, the HTTP routes and the state they share. */
class Exporter {
  readonly #options: Options;
  readonly #deps: ServeDeps;
  readonly #target: ProbeTarget;
  readonly #identity: Identity;
  readonly #stopping: AbortSignal;
  readonly #metrics: FleetMetrics;
  readonly #limit = new OnDemandLimit();
  readonly #inFlight = new Set<Promise<unknown>>();
  #lastReport: RunReport | undefined;
  /** When the scheduled run under way started (performance.now()), or undefined between runs. */
  #scheduledSince: number | undefined;

  constructor(options: Options, deps: ServeDeps, target: ProbeTarget, identity: Identity, stopping: AbortSignal) {
    this.#options = options;
    this.#deps = deps;
    this.#target = target;
    this.#identity = identity;
    this.#stopping = stopping;
    this.#metrics = new FleetMetrics(identity, { intervalSeconds: options.serve.intervalMs / 1000, startedAtSeconds: Date.now() / 1000 });
  }

  /** Runs until the exporter stops: a run, then a jittered wait to the next start, never two at once. */
  async schedule(): Promise<void> {
    const interval = this.#options.serve.intervalMs;
    while (!this.#stopping.aborted) {
      const started = performance.now();
      this.#scheduledSince = started;
      const report = await this.#track(this.#probe(this.#target.inputs({ scheduled: true })));
      this.#scheduledSince = undefined;
      // An interrupted run says only that the exporter stopped: keep showing the last real one.
      if (this.#stopping.aborted) break;
      this.#lastReport = report;
      this.#metrics.record(report);
      const jittered = interval * (1 + INTERVAL_JITTER * (2 * Math.random() - 1));
      try {
        await sleep(Math.max(0, jittered - (performance.now() - started)), undefined, { signal: this.#stopping });
      } catch {
        break;
      }
    }
  }

  /** Waits for the runs in flight (they were interrupted by the stop signal), at most graceMs. */
  async drain(graceMs: number): Promise<void> {
    await Promise.race([Promise.allSettled([...this.#inFlight]), sleep(graceMs, undefined, { ref: false })]);
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#inFlight.add(p);
    void p.finally(() => this.#inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  /** One run through the same pipeline and reporter as `gomodprobe`; returns the scrubbed report. */
  async #probe(inputs: RunInputs): Promise<RunReport> {
    const { options, io } = inputs;
    // Each run reads its files afresh (a mounted Secret or ConfigMap may change between runs), each once.
    const files = new InputFiles(io.inputFs);
    const secrets = await collectSecrets(options, files);
    const reporter = createReporter({
      format: options.format,
      // A stream of its own per run: the reporter's sink listens for errors on it, and process.stdout
      // would collect one listener per run.
      stdout: forwardTo(process.stdout),
      stdoutIsTTY: false,
      color: false,
      ...(options.reportDir ? { reportDir: options.reportDir } : {}),
      secrets,
      level: options.logLevel,
    });
    // A signal of the run's own, aborted by the stop: the pipeline combines it with per-run deadlines
    // (AbortSignal.any), and a combination with the exporter's lifelong signal would be remembered by it.
    const interrupt = new AbortController();
    const onStop = (): void => interrupt.abort(this.#stopping.reason);
    if (this.#stopping.aborted) onStop();
    else this.#stopping.addEventListener('abort', onStop, { once: true });
    try {
      const report = await runProbe(options, {
        reporter,
        version: this.#deps.version,
        interrupt: interrupt.signal,
        inputs: files,
      });
      await reporter.finish(report);
      return scrubDeep(report, createScrubber(secrets)) as RunReport;
    } finally {
      this.#stopping.removeEventListener('abort', onStop);
    }
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, 'text/plain; charset=utf-8', 'only GET and HEAD\n', { allow: 'GET, HEAD' });
    }
    const url = new URL(req.url ?? '/', 'http://exporter');
    switch (url.pathname) {
      case '/metrics':
        return send(res, 200, this.#metrics.registry.contentType, await this.#metrics.registry.metrics());
      case '/probe':
        return this.#probeOnDemand(url.searchParams, res);
      case '/report.json':
        return this.#lastReport
          ? send(res, 200, 'application/json; charset=utf-8', `${JSON.stringify(this.#lastReport, null, 2)}\n`)
          : send(res, 503, 'application/json; charset=utf-8', '{"error":"no run has finished yet"}\n');
      case '/-/healthy':
        return this.#healthy() ? send(res, 200, 'text/plain; charset=utf-8', 'OK\n') : send(res, 503, 'text/plain; charset=utf-8', 'scheduler stopped or stuck\n');
      case '/-/ready':
        return this.#lastReport && !this.#stopping.aborted
          ? send(res, 200, 'text/plain; charset=utf-8', 'ready\n')
          : send(res, 503, 'text/plain; charset=utf-8', this.#stopping.aborted ? 'shutting down\n' : 'the first run has not finished yet\n');
      case '/':
        return send(res, 200, 'text/plain; charset=utf-8', indexPage(this.#identity));
      default:
        return send(res, 404, 'text/plain; charset=utf-8', 'not found (see /)\n');
    }
  }

  #healthy(): boolean {
    if (this.#stopping.aborted) return false;
    const since = this.#scheduledSince;
    return since === undefined || performance.now() - since < this.#options.deadlineMs + STUCK_AFTER_DEADLINE_MS;
  }

  async #probeOnDemand(search: URLSearchParams, res: ServerResponse): Promise<void> {
    const query = parseProbeQuery(search, this.#options.deadlineMs);
    if ('error' in query) return send(res, 400, 'text/plain; charset=utf-8', `${query.error}\n`);
    if (this.#stopping.aborted) return send(res, 503, 'text/plain; charset=utf-8', 'shutting down\n');
    const slot = this.#limit.take();
    if (!slot.ok) return send(res, 429, 'text/plain; charset=utf-8', `${slot.reason}\n`, { 'retry-after': String(slot.retryAfter) });
    try {
      const report = await this.#track(this.#probe(this.#target.inputs({ ...query, scheduled: false })));
      const { contentType, body } = await onDemandMetrics(this.#identity, report);
      return send(res, 200, contentType, body);
    } finally {
      this.#limit.release();
    }
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** A writable that hands every chunk to `stream`: listeners added to it die with it. */
function forwardTo(stream: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      try {
        stream.write(chunk);
      } catch {
        // A closed stdout must not end the exporter; the metrics still tell.
      }
      callback();
    },
  });
}

function indexPage(identity: Identity): string {
  return [
    `gomodprobe serve (name=${identity.name}${identity.namespace ? `, namespace=${identity.namespace}` : ''}, goproxy=${identity.goproxy})`,
    '',
    '/metrics                               the last scheduled run, counters across runs (Prometheus)',
    `/probe?module=PATH@VERSION&deadline=D  one run now, answered with its metrics (at most ${ON_DEMAND_CONCURRENCY} at once, ${ON_DEMAND_PER_MINUTE} a minute)`,
    '/report.json                           the last scheduled run\'s report',
    '/-/healthy  /-/ready                   liveness; ready once the first run has finished',
    '',
  ].join('\n');
}
