// Figure 6, a hard deadline: a DNS server on loopback that takes every query and answers none, and the
// bundle run again and again at --timeout 300ms (or --deadline 300ms) while it collects garbage every few
// ms (the race of issue #12: a collection lost the run's timers, and the lookup waited out resolv.conf's
// own 10 s). The overrun is how long past its budget each run ended; every one must be within 250 ms.
// No namespace: nothing here leaves loopback.

import { deadlineRuns, quantile } from '../test/hostile/deadline-runs.js';
import { round, type Figure } from './stats.js';
import type { Subjects } from './subjects.js';

const GRACE_MS = 250;

export async function deadlineFigures(s: Subjects, runs: number, log: (line: string) => void): Promise<{ figures: Figure[]; samples: unknown }> {
  const samples = await deadlineRuns({
    bundle: s.cli,
    runs,
    cases: [
      { timeoutMs: 300, deadlineMs: 5000 },
      { timeoutMs: 5000, deadlineMs: 300 },
    ],
    // One at a time: the figure is about the probe's timers, not about a busy machine's.
    concurrency: 1,
    killAfterMs: 20_000,
  });
  const overruns = samples.map((x) => x.overrunMs);
  const [p50, p95, max] = [0.5, 0.95, 1].map((q) => round(quantile(overruns, q)));
  const wrong = samples.filter((x) => x.exitCode !== 10 || x.cause !== 'dns.timeout').length;
  log(`deadline: overrun p50 ${p50} ms, p95 ${p95} ms, max ${max} ms over ${samples.length} runs (${wrong} with another outcome)`);
  const detail = `${samples.length} runs against a silent DNS server (resolv.conf timeout:5 attempts:2), half at --timeout 300ms, half at --deadline 300ms, most collecting garbage every 50-150 ms; overrun = the dns stage past --timeout or the run past --deadline`;
  return {
    samples: samples.map((x) => ({ timeoutMs: x.timeoutMs, deadlineMs: x.deadlineMs, gcEveryMs: x.gcEveryMs, exit: x.exitCode, overrunMs: round(x.overrunMs), wallMs: round(x.wallMs) })),
    figures: [
      { id: 'deadline.overrun_p50_ms', title: 'deadline: overrun, median', value: p50!, unit: 'ms', target: '-', holds: undefined, detail },
      { id: 'deadline.overrun_p95_ms', title: 'deadline: overrun, p95', value: p95!, unit: 'ms', target: '-', holds: undefined, detail },
      { id: 'deadline.overrun_max_ms', title: 'deadline: overrun, worst run', value: max!, unit: 'ms', target: `<= ${GRACE_MS} ms`, holds: max! <= GRACE_MS && wrong === 0, detail: `${detail}; ${wrong} run(s) ended otherwise than dns.timeout, exit 10` },
    ],
  };
}
