// The Reporter: the one place that prints and writes files. The pipeline (probe.ts) tells it
// when stages start and finish and hands it the final RunReport; stages only get `log`.
//
// Outputs: JSON log lines on stdout (format json) or the human view (format pretty);
// <reportDir>/gomodprobe.ndjson (every log line), report.json and metrics.prom; the
// termination message; the JUnit file. None of them may carry a secret, and none of them may
// crash the run: failures become warnings, logged and returned.

import { join } from 'node:path';
import type { Logger } from 'pino';
import type { StageName } from '../causes.js';
import { errorMessage } from '../errors.js';
import type { StageResult } from '../stages/outcome.js';
import { prepareDirectory, writeOutputFiles, type OutputFile } from './files.js';
import { HumanView } from './human.js';
import { formatJUnit } from './junit.js';
import { renderNetworkPolicy, type NetworkPolicyFormat } from './networkpolicy.js';
import { createLogger, type LogLevel } from './logger.js';
import { formatMetrics } from './metrics.js';
import { createScrubber, isSensitiveKey, REDACTED, scrubDeep } from './redact.js';
import { CappedLineSink, FileSink, MAX_STDOUT_LINE_BYTES, StreamSink, type LineSink } from './sinks.js';
import { formatTerminationMessage, TERMINATION_MESSAGE_MAX_BYTES } from './termination.js';
import { truncateUtf8 } from './text.js';
import type { RunReport, RunStart } from './types.js';

export const NDJSON_FILE = 'gomodprobe.ndjson';
export const REPORT_FILE = 'report.json';
export const METRICS_FILE = 'metrics.prom';

/** The `event` field of the reporter's own log lines (the human view shows these its own way). */
export const EVENTS = {
  runStarted: 'run.started',
  stageStarted: 'stage.started',
  stageFinished: 'stage.finished',
  runFinished: 'run.finished',
  outputProblem: 'output.problem',
} as const;

export interface ReporterOptions {
  /** pretty = the human view on stdout; the JSON lines still go to the ndjson file. */
  format: 'json' | 'pretty';
  stdout: NodeJS.WritableStream;
  stdoutIsTTY: boolean;
  /** ANSI colours in the human view; default: stdoutIsTTY. Pass false for NO_COLOR. */
  color?: boolean;
  /** Terminal width for the human view's spinner line; default 80. */
  columns?: number;
  reportDir?: string;
  terminationLog?: string;
  junitFile?: string;
  /** --junit-suite: the JUnit testsuite's name (default gomodprobe). */
  junitSuite?: string;
  /** --emit-networkpolicy: the egress policy file and its flavour. */
  networkPolicy?: { readonly file: string; readonly format: NetworkPolicyFormat };
  /** Secret values to remove from every output (proxy passwords, tokens, "user:pass" pairs). */
  secrets: readonly string[];
  level?: LogLevel;
}

export interface Reporter {
  /** Stages get log.child({ stage }). */
  readonly log: Logger;
  /** What the run checks (after the config stage decided it): the run.started line and the human view's header. */
  runStarted(start: RunStart): void;
  stageStarted(stage: StageName, targets: readonly string[]): void;
  stageFinished(result: StageResult): void;
  /**
   * Writes report.json and metrics.prom (atomically: temp file + rename), the termination
   * message (<= 4096 bytes), the JUnit file; prints the human summary when pretty. Never
   * throws: returns the warnings (unwritable dir, full disk, path is a file), also logged.
   */
  finish(report: RunReport): Promise<{ warnings: string[] }>;
}

export function createReporter(opts: ReporterOptions): Reporter {
  const scrub = createScrubber(opts.secrets);
  const warnings: string[] = [];
  // Set once the logger exists; warnings raised before that are logged right after.
  let log: Logger | undefined;
  const warn = (reason: string): void => {
    const clean = scrub(reason);
    warnings.push(clean);
    log?.warn({ event: EVENTS.outputProblem, warning: clean }, 'output problem');
  };

  const stdout = new StreamSink(opts.stdout, (reason) => warn(`stdout: ${reason}`));
  const human = opts.format === 'pretty'
    ? new HumanView({
        write: (text) => stdout.write(scrub(text)),
        tty: opts.stdoutIsTTY,
        color: opts.color ?? opts.stdoutIsTTY,
        ...(opts.columns !== undefined ? { columns: opts.columns } : {}),
      })
    : undefined;

  let reportDirReady = false;
  let ndjson: FileSink | undefined;
  if (opts.reportDir !== undefined) {
    const dir = prepareDirectory(opts.reportDir);
    if (!dir.ok) warnings.push(scrub(`report dir ${dir.reason}`));
    else {
      reportDirReady = true;
      const opened = FileSink.open(join(opts.reportDir, NDJSON_FILE), (reason) => warn(`log file ${reason}`));
      if (opened instanceof FileSink) ndjson = opened;
      else warnings.push(scrub(`log file ${opened.reason}`));
    }
  }

  const sinks: { level: 'debug' | 'warn'; sink: LineSink }[] = [];
  if (opts.format === 'json') {
    const whole = ndjson && opts.reportDir !== undefined ? `${join(opts.reportDir, NDJSON_FILE)} and ${join(opts.reportDir, REPORT_FILE)}` : 'report.json and gomodprobe.ndjson with --report-dir';
    sinks.push({ level: 'debug', sink: new CappedLineSink(stdout, MAX_STDOUT_LINE_BYTES, whole) });
  }
  if (ndjson) sinks.push({ level: 'debug', sink: ndjson });
  if (human) sinks.push({ level: 'warn', sink: { write: (line) => human.logLine(line) } });
  log = createLogger({ level: opts.level ?? 'info', sinks, scrub });
  for (const w of warnings) log.warn({ event: EVENTS.outputProblem, warning: w }, 'output problem');

  const logger = log;
  /**
   * Each stage's result as scrubbed for its stage.finished line, by the result the pipeline handed over:
   * the report's stages[] are those same objects, and scrubbing them again for report.json walked the
   * whole evidence a second time (a 500-module run's ~55,000 nodes, ~80 ms of CPU).
   */
  const scrubbedStages = new WeakMap<StageResult, StageResult>();
  const scrubReport = (report: RunReport): RunReport => {
    const out: Record<string, unknown> = {};
    // scrubDeep's rules for the top level, with each stage taken as it was logged.
    for (const [key, value] of Object.entries(report)) {
      const copied = isSensitiveKey(key) && value !== null && typeof value !== 'boolean' && value !== undefined
        ? REDACTED
        : key === 'stages' && Array.isArray(value)
          ? (value as StageResult[]).map((s) => scrubbedStages.get(s) ?? scrubDeep(s, scrub) ?? null)
          : scrubDeep(value, scrub);
      if (copied !== undefined) out[scrub(key)] = copied;
    }
    return out as unknown as RunReport;
  };

  return {
    log: logger,

    runStarted(start) {
      const safe = scrubDeep(start, scrub) as RunStart;
      logger.info({ event: EVENTS.runStarted, ...safe }, 'run started');
      human?.runStarted(safe);
    },

    stageStarted(stage, targets) {
      const safeTargets = targets.map(scrub);
      logger.info({ event: EVENTS.stageStarted, stage, targets: safeTargets }, 'stage started');
      human?.stageStarted(stage, safeTargets);
    },

    stageFinished(result) {
      const safe = scrubDeep(result, scrub) as StageResult;
      scrubbedStages.set(result, safe);
      const level = safe.status === 'fail' ? 'error' : safe.findings.some((f) => f.severity === 'warn') ? 'warn' : 'info';
      logger[level](
        {
          event: EVENTS.stageFinished,
          stage: safe.stage,
          status: safe.status,
          durationMs: safe.durationMs,
          failure: safe.failure,
          findings: safe.findings,
          evidence: safe.evidence,
        },
        `stage ${safe.status}`,
      );
      human?.stageFinished(safe);
    },

    async finish(report) {
      try {
        human?.close();
        const safe = scrubReport(report);
        const written = await writeOutputs(safe);
        const level = safe.verdict === 'pass' ? 'info' : 'error';
        logger[level](
          {
            event: EVENTS.runFinished,
            verdict: safe.verdict,
            exitCode: safe.exitCode,
            reason: safe.reason,
            durationMs: safe.durationMs,
            failure: safe.failure,
            error: safe.error,
            expect: safe.expect,
            mustBlock: safe.mustBlock,
            egress: safe.egress,
            certificates: safe.certificates,
            settings: safe.settings,
            written,
          },
          `run ${safe.verdict}`,
        );
        // Sink errors are reported on a microtask: let them land before the summary.
        await new Promise<void>((resolve) => logger.flush(() => resolve()));
        human?.summary(safe, { written, warnings });
      } catch (err) {
        warn(`internal: ${errorMessage(err)}`);
      }
      ndjson?.close();
      return { warnings: [...warnings] };
    },
  };

  /** Writes every file output from the scrubbed report (their fsyncs at once); returns the paths written. */
  async function writeOutputs(safe: RunReport): Promise<string[]> {
    const files: OutputFile[] = [];
    const write = (path: string, render: () => string, atomic: boolean): void => {
      let text: string;
      try {
        text = render();
      } catch (err) {
        warn(`${path}: could not render: ${errorMessage(err)}`);
        return;
      }
      files.push({ path, data: text, atomic });
    };
    if (opts.reportDir !== undefined && reportDirReady) {
      // report.json and metrics.prom are rendered from the deep-scrubbed report, not re-scrubbed
      // as text: a secret that collides with a number or a name must not break their syntax.
      write(join(opts.reportDir, REPORT_FILE), () => `${JSON.stringify(safe, null, 2)}\n`, true);
      write(join(opts.reportDir, METRICS_FILE), () => formatMetrics(safe), true);
    }
    if (opts.terminationLog !== undefined) {
      // Free text: scrub again, then cut again (a replacement can be longer than the secret).
      const text = () => truncateUtf8(scrub(formatTerminationMessage(safe)), TERMINATION_MESSAGE_MAX_BYTES);
      write(opts.terminationLog, text, false);
    }
    if (opts.junitFile !== undefined) write(opts.junitFile, () => formatJUnit(safe, opts.junitSuite), true);
    // Without network stages (a config failure) there is nothing to allow: no policy rather than a DNS-only one.
    const policy = opts.networkPolicy;
    if (policy !== undefined && safe.egress !== undefined) write(policy.file, () => renderNetworkPolicy(safe, policy.format), true);
    else if (policy !== undefined) warn(`${policy.file}: not written: the run ended before any network stage, so nothing is known about its egress`);
    const written: string[] = [];
    (await writeOutputFiles(files)).forEach((result, i) => {
      if (result.ok) written.push(files[i]!.path);
      else warn(result.reason);
    });
    if (ndjson && !ndjson.failed && opts.reportDir !== undefined) written.push(join(opts.reportDir, NDJSON_FILE));
    return written;
  }
}
