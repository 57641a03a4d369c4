// metrics.prom in the Prometheus text exposition format 0.0.4, for the node-exporter textfile
// collector or a sidecar. Every family is a gauge describing the last run.
//
// Families (labels):
//   gomodprobe_build_info{version}                       1
//   gomodprobe_go_info{go_version,source}                1: the go whose rules the verdict follows
//   gomodprobe_run_success                               1 when the verdict is pass, else 0
//   gomodprobe_run_duration_seconds
//   gomodprobe_exit_code
//   gomodprobe_last_run_timestamp_seconds                when the run finished (Unix seconds)
//   gomodprobe_stage_success{stage}                      stages that ran: 1 pass or skip, 0 fail
//   gomodprobe_stage_duration_seconds{stage}             stages that ran: their own work, without waits
//   gomodprobe_stage_wait_seconds{stage}                 stages that ran: waiting for work started earlier
//   gomodprobe_stage_status{stage,status}                every stage, one-hot over
//                                                        pass|fail|skip|not_run
//   gomodprobe_stage_findings{stage,severity}            stages that ran: findings per severity
//   gomodprobe_failure_info{stage,cause,target}          1, when a stage failed
//   gomodprobe_error_info{code}                          1, when the probe could not run
//   gomodprobe_expect_met{expected}                      with --expect: 1 met, 0 not met
//   gomodprobe_must_block_blocked{target}                with --must-block: 1 blocked, 0 reachable
//   gomodprobe_cert_not_after_timestamp_seconds{target,subject,sha256}
//   gomodprobe_hop_phase_duration_seconds{host,phase}     per host reached (report.json hops[]):
//                                                        dns|connect|tls|first_byte|body

import { STAGE_NAMES } from '../causes.js';
import type { RunReport } from './types.js';
import { singleLine } from './text.js';

type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly help: string;
  readonly samples: readonly Sample[];
}

/** Label values longer than this are cut: a target URL is an identity, not a document. */
const MAX_LABEL_VALUE_CHARS = 256;

const STAGE_STATUSES = ['pass', 'fail', 'skip', 'not_run'] as const;

/** A label value as every output shows it: one line, at most MAX_LABEL_VALUE_CHARS characters. */
export function boundedLabelValue(value: string): string {
  return [...singleLine(value)].slice(0, MAX_LABEL_VALUE_CHARS).join('');
}

export function escapeLabelValue(value: string): string {
  return boundedLabelValue(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function isoToSeconds(iso: string): number | undefined {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

function sample(value: number, labels: Labels = {}): Sample {
  return { labels, value };
}

function renderFamily(family: Family): string {
  // One series per label set: the textfile collector rejects a file with duplicates.
  const seen = new Set<string>();
  const lines = [`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} gauge`];
  for (const s of family.samples) {
    const pairs = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
    const series = pairs.length > 0 ? `${family.name}{${pairs.join(',')}}` : family.name;
    if (seen.has(series)) continue;
    seen.add(series);
    lines.push(`${series} ${formatSampleValue(s.value)}`);
  }
  return lines.join('\n');
}

/** The families of the last run, with their samples; metrics.prom and `serve`'s /metrics both render these. */
export function families(report: RunReport): Family[] {
  const ran = new Map(report.stages.map((s) => [s.stage as string, s]));
  const out: Family[] = [
    { name: 'gomodprobe_build_info', help: 'gomodprobe version.', samples: [sample(1, { version: report.tool.version })] },
    ...(report.settings.goVersion
      ? [{ name: 'gomodprobe_go_info', help: 'The go version the verdict is for (--go-version) and where it came from.',
          samples: [sample(1, { go_version: report.settings.goVersion.version, source: report.settings.goVersion.source })] }]
      : []),
    { name: 'gomodprobe_run_success', help: 'Whether the last run passed (1) or not (0).', samples: [sample(report.verdict === 'pass' ? 1 : 0)] },
    { name: 'gomodprobe_run_duration_seconds', help: 'Duration of the last run in seconds.', samples: [sample(report.durationMs / 1000)] },
    { name: 'gomodprobe_exit_code', help: 'Exit code of the last run.', samples: [sample(report.exitCode)] },
  ];
  const finished = isoToSeconds(report.finishedAt);
  if (finished !== undefined) {
    out.push({ name: 'gomodprobe_last_run_timestamp_seconds', help: 'When the last run finished, in Unix seconds.', samples: [sample(finished)] });
  }
  out.push(
    {
      name: 'gomodprobe_stage_success',
      help: 'Per stage that ran: 1 when it passed or was skipped, 0 when it failed.',
      samples: report.stages.map((s) => sample(s.status === 'fail' ? 0 : 1, { stage: s.stage })),
    },
    {
      name: 'gomodprobe_stage_duration_seconds',
      help: 'Per stage that ran: its own work in seconds (not the time it waited for work started earlier).',
      samples: report.stages.map((s) => sample(s.workMs / 1000, { stage: s.stage })),
    },
    {
      name: 'gomodprobe_stage_wait_seconds',
      help: 'Per stage that ran: the time it waited for work started earlier (the prefetcher, an earlier stage), in seconds.',
      samples: report.stages.map((s) => sample(s.waitMs / 1000, { stage: s.stage })),
    },
    {
      name: 'gomodprobe_stage_status',
      help: 'Per stage: 1 for its status (pass, fail, skip or not_run), 0 for the others.',
      samples: STAGE_NAMES.flatMap((stage) => {
        const status = ran.get(stage)?.status ?? 'not_run';
        return STAGE_STATUSES.map((st) => sample(st === status ? 1 : 0, { stage, status: st }));
      }),
    },
    {
      name: 'gomodprobe_stage_findings',
      help: 'Per stage that ran: the number of findings of each severity.',
      samples: report.stages.flatMap((s) =>
        (['info', 'warn'] as const).map((severity) =>
          sample(s.findings.filter((f) => f.severity === severity).length, { stage: s.stage, severity }),
        ),
      ),
    },
  );
  if (report.failure) {
    const f = report.failure;
    out.push({
      name: 'gomodprobe_failure_info',
      help: 'The first failing stage, its cause and its target.',
      samples: [sample(1, { stage: f.stage, cause: f.cause, target: f.target })],
    });
  }
  if (report.error) {
    out.push({ name: 'gomodprobe_error_info', help: 'Why the probe could not run.', samples: [sample(1, { code: report.error.code })] });
  }
  if (report.expect) {
    out.push({
      name: 'gomodprobe_expect_met',
      help: 'With --expect: 1 when the first failed stage was the expected one, else 0.',
      samples: [sample(report.expect.met ? 1 : 0, { expected: report.expect.expected })],
    });
  }
  if (report.mustBlock && report.mustBlock.length > 0) {
    out.push({
      name: 'gomodprobe_must_block_blocked',
      help: 'With --must-block: 1 when the target was blocked as required, 0 when it was reachable.',
      samples: report.mustBlock.map((m) => sample(m.blocked ? 1 : 0, { target: m.target })),
    });
  }
  const certs = report.certificates.flatMap((c) => {
    const notAfter = isoToSeconds(c.notAfter);
    return notAfter === undefined ? [] : [sample(notAfter, { target: c.target, subject: c.subject, sha256: c.sha256 })];
  });
  if (certs.length > 0) {
    out.push({
      name: 'gomodprobe_cert_not_after_timestamp_seconds',
      help: 'NotAfter of each presented certificate, in Unix seconds.',
      samples: certs,
    });
  }
  const phases = (report.hops ?? []).slice(0, MAX_HOSTS_PER_RUN).flatMap((h) => {
    const host = hostOf(h.origin);
    if (host === undefined) return [];
    const timed: [string, number | undefined][] = [['dns', h.dnsMs], ['connect', h.connectMs], ['tls', h.tlsMs], ['first_byte', h.firstByteMs], ['body', h.bodyMs]];
    return timed.flatMap(([phase, ms]) => (ms === undefined ? [] : [sample(ms / 1000, { host, phase })]));
  });
  out.push({
    name: 'gomodprobe_hop_phase_duration_seconds',
    help: 'Per host the run reached: its first connection\'s DNS lookup, connect and TLS handshake (dns, connect, tls) and its slowest request\'s time to first byte and body (first_byte, body), in seconds.',
    samples: phases,
  });
  return out.filter((f) => f.samples.length > 0);
}

/** At most this many hosts per run in the per-host families: a redirect to ever-new hosts cannot grow the series count. */
export const MAX_HOSTS_PER_RUN = 32;

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/** The whole metrics.prom text (ends with a newline, as the format requires). */
export function formatMetrics(report: RunReport): string {
  return `${families(report).map(renderFamily).join('\n')}\n`;
}
