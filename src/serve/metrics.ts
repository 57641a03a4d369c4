// `gomodprobe serve`'s /metrics and /probe bodies, with prom-client. The last run's gauges keep the
// names and labels of metrics.prom (report/metrics.ts renders both from the same families), and every
// series carries the exporter's identity (name, namespace, goproxy) as prom-client default labels.
// Added for fleet use: counters across runs, a run-duration histogram, per-hop phase timings and the
// earliest certificate expiry of every host the run reached.
//
// Label values are bounded: identities are validated by options.ts, stage/cause/status come from
// fixed code tables, hosts and targets are cut to the metrics.prom length and capped in number, and
// every value comes from the scrubbed report (no secret can reach a label).

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { boundedLabelValue, families, MAX_HOSTS_PER_RUN } from '../report/metrics.js';
import type { RunReport } from '../report/types.js';

/** The labels every series of this exporter carries. */
export interface Identity {
  readonly name: string;
  readonly namespace: string | undefined;
  /** The first GOPROXY entry's host (or `direct`, `off`): which proxy the fleet's builds depend on. */
  readonly goproxy: string;
}

export { MAX_HOSTS_PER_RUN };

const RUN_RESULTS = ['pass', 'fail', 'error'] as const;

/** Seconds; a probe takes from a fraction of a second to its deadline (60 s by default). */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

function newRegistry(identity: Identity): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({
    name: identity.name,
    ...(identity.namespace !== undefined ? { namespace: identity.namespace } : {}),
    goproxy: boundedLabelValue(identity.goproxy),
  });
  return registry;
}

/** The gauges that describe one run: metrics.prom's families (per-hop phase timings among them), per-host certificate expiry. */
class RunGauges {
  readonly #registry: Registry;
  readonly #gauges = new Map<string, Gauge>();
  readonly #certExpiry: Gauge;

  constructor(registry: Registry) {
    this.#registry = registry;
    this.#certExpiry = new Gauge({
      name: 'gomodprobe_cert_earliest_expiry_timestamp_seconds',
      help: 'Per host the run reached over TLS (GOPROXY, sumdb, storage, toolchain, git): the earliest NotAfter of its presented chain, in Unix seconds.',
      labelNames: ['host'],
      registers: [registry],
    });
  }

  update(report: RunReport): void {
    for (const g of this.#gauges.values()) g.reset();
    for (const family of families(report)) {
      const gauge = this.#gauge(family.name, family.help, Object.keys(family.samples[0]!.labels));
      for (const s of family.samples) gauge.set(boundedLabels(s.labels), s.value);
    }
    this.#certExpiry.reset();
    for (const [host, notAfter] of earliestExpiryByHost(report)) this.#certExpiry.set({ host }, notAfter);
  }

  #gauge(name: string, help: string, labelNames: string[]): Gauge {
    let gauge = this.#gauges.get(name);
    if (!gauge) {
      gauge = new Gauge({ name, help, labelNames, registers: [this.#registry] });
      this.#gauges.set(name, gauge);
    }
    return gauge;
  }
}

function boundedLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) out[k] = boundedLabelValue(v);
  return out;
}

/** report.certificates grouped by host:port, earliest NotAfter of each chain. */
export function earliestExpiryByHost(report: RunReport): Map<string, number> {
  const byHost = new Map<string, number>();
  for (const c of report.certificates) {
    const notAfter = Date.parse(c.notAfter) / 1000;
    if (!Number.isFinite(notAfter)) continue;
    const host = boundedLabelValue(c.target);
    const known = byHost.get(host);
    if (known === undefined && byHost.size >= MAX_HOSTS_PER_RUN) continue;
    if (known === undefined || notAfter < known) byHost.set(host, notAfter);
  }
  return byHost;
}


/** The scheduled runs' registry: the last run's gauges, counters and a histogram across runs, process metrics. */
export class FleetMetrics {
  readonly registry: Registry;
  readonly #run: RunGauges;
  readonly #runs: Counter;
  readonly #failures: Counter;
  readonly #duration: Histogram;
  readonly #lastSuccess: Gauge;

  constructor(identity: Identity, opts: { readonly intervalSeconds: number; readonly startedAtSeconds: number }) {
    this.registry = newRegistry(identity);
    const registers = [this.registry];
    this.#run = new RunGauges(this.registry);
    this.#runs = new Counter({ name: 'gomodprobe_runs_total', help: 'Scheduled runs, by verdict (pass, fail, error).', labelNames: ['result'], registers });
    for (const result of RUN_RESULTS) this.#runs.inc({ result }, 0);
    this.#failures = new Counter({
      name: 'gomodprobe_failures_total',
      help: 'Scheduled runs that failed, by the first failing stage and its cause.',
      labelNames: ['stage', 'cause'],
      registers,
    });
    this.#duration = new Histogram({ name: 'gomodprobe_probe_duration_seconds', help: 'Duration of the scheduled runs, in seconds.', buckets: DURATION_BUCKETS, registers });
    // Until a run passes: when the exporter started, so that "no success for N intervals" also fires
    // for an exporter that has never seen one.
    this.#lastSuccess = new Gauge({
      name: 'gomodprobe_last_success_timestamp_seconds',
      help: 'When the last scheduled run that passed finished (until one passes: when the exporter started), in Unix seconds.',
      registers,
    });
    this.#lastSuccess.set(opts.startedAtSeconds);
    new Gauge({ name: 'gomodprobe_interval_seconds', help: 'The time between two scheduled runs (--interval), in seconds.', registers }).set(opts.intervalSeconds);
    processMetrics(this.registry);
  }

  record(report: RunReport): void {
    this.#run.update(report);
    this.#runs.inc({ result: report.verdict });
    if (report.failure) this.#failures.inc({ stage: report.failure.stage, cause: boundedLabelValue(report.failure.cause) });
    this.#duration.observe(report.durationMs / 1000);
    if (report.verdict === 'pass') {
      const finished = Date.parse(report.finishedAt);
      if (Number.isFinite(finished)) this.#lastSuccess.set(finished / 1000);
    }
  }
}

/**
 * The process_* families Prometheus' own clients export, read at scrape time: enough to see the
 * exporter's memory and CPU per run. (prom-client's collectDefaultMetrics adds nodejs_* gauges named
 * `_total`, which `promtool check metrics` rejects, and an event-loop monitor running all the time.)
 */
function processMetrics(registry: Registry): void {
  const registers = [registry];
  new Counter({
    name: 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent in seconds.',
    registers,
    collect() {
      const { user, system } = process.cpuUsage();
      this.reset();
      this.inc((user + system) / 1e6);
    },
  });
  new Gauge({ name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', registers, collect() { this.set(process.memoryUsage.rss()); } });
  new Gauge({ name: 'process_start_time_seconds', help: 'Start time of the process since unix epoch in seconds.', registers })
    .set(Math.round((Date.now() - performance.now()) / 1000));
}

/** /probe's answer, as blackbox_exporter's: one run's gauges in a registry of their own. */
export async function onDemandMetrics(identity: Identity, report: RunReport): Promise<{ contentType: string; body: string }> {
  const registry = newRegistry(identity);
  new RunGauges(registry).update(report);
  return { contentType: registry.contentType, body: await registry.metrics() };
}
