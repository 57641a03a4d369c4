// Figure 4, bounded failure: blackholed DNS, blackholed 443 to the proxy, blackholed storage host behind
// the zip redirect. The probe must exit within its per-operation timeout + 10% + its start-up, and name
// the stage and cause; go's own time to give up in the same pod is reported beside it. These pods have
// no added delay: the figure is about how long a silent peer is waited for, not about round trips.

import type { LabContent } from '../test/e2e/lab/content.js';
import type { E2eLab } from '../test/e2e/lab/lab.js';
import type { Pod } from '../test/e2e/lab/netns.js';
import { POLICIES, type EgressPolicy } from '../test/e2e/lab/nft.js';
import { baseLabEnv, MODULE_AT_VERSION } from '../test/e2e/lab/scenarios.js';
import type { Measured } from './exec.js';
import { median, round, type Figure } from './stats.js';
import { runGo, runProbe, type ProbeRun, type Subjects } from './subjects.js';

interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly policy: EgressPolicy;
  readonly stage: string;
  readonly cause: string;
}

const SCENARIOS: readonly Scenario[] = [
  { id: 'dns', title: 'blackholed DNS', policy: POLICIES.dnsDropped, stage: 'dns', cause: 'dns.timeout' },
  { id: 'tcp443', title: 'blackholed 443 (proxy)', policy: POLICIES.proxyDropped, stage: 'tcp', cause: 'tcp.timeout' },
  { id: 'storage', title: 'blackholed storage behind the redirect', policy: POLICIES.storageDropped, stage: 'redirect', cause: 'redirect.tcp.timeout' },
];

export interface FailureOptions {
  readonly subjects: Subjects;
  readonly lab: E2eLab;
  readonly pods: readonly Pod[];
  readonly content: LabContent;
  readonly timeoutMs: number;
  /** Median start-up of the bundle (figure 1): part of the allowance. */
  readonly startupMs: number;
  readonly runs: number;
  readonly log: (line: string) => void;
}

export interface FailureResult {
  readonly figures: Figure[];
  readonly samples: Record<string, { probeMs: number[]; goMs: number; goExit: number; goError: string }>;
}

export async function failureFigures(o: FailureOptions): Promise<FailureResult> {
  if (o.pods.length < SCENARIOS.length) throw new RangeError(`need ${SCENARIOS.length} pods`);
  const labEnv = baseLabEnv(o.content);
  for (const [i, sc] of SCENARIOS.entries()) await o.lab.applyPolicy(o.pods[i]!, sc.policy);
  try {
    // go waits out its own timeouts (30 s to dial) doing nothing: its three runs overlap each other and
    // the probe's runs instead of adding a minute and a half.
    const goRuns = Promise.all(SCENARIOS.map((_, i) => runGo(o.subjects, { ns: o.pods[i]!.ns, labEnv, module: MODULE_AT_VERSION, timeoutS: 90 })));
    // Awaited below; if a probe run throws first, the teardown ends these and nothing is left unhandled.
    goRuns.catch(() => undefined);
    const allowance = o.timeoutMs * 1.1 + o.startupMs;
    const figures: Figure[] = [];
    const samples: FailureResult['samples'] = {};
    const probeResults: ProbeRun[][] = [];
    for (const [i, sc] of SCENARIOS.entries()) {
      const runs: ProbeRun[] = [];
      for (let r = 0; r < o.runs; r++) {
        runs.push(await runProbe(o.subjects, { ns: o.pods[i]!.ns, labEnv, args: ['--module', MODULE_AT_VERSION, '--timeout', `${o.timeoutMs}ms`], timeoutS: 120 }));
      }
      probeResults.push(runs);
      o.log(`  ${sc.title}: probe ${runs.map((r) => `${Math.round(r.ms)} ms (${r.report?.failure?.cause ?? `exit ${r.exit}`})`).join(', ')}`);
    }
    const gos: Measured[] = await goRuns;
    for (const [i, sc] of SCENARIOS.entries()) {
      const runs = probeResults[i]!;
      const g = gos[i]!;
      const wrong = runs.filter((r) => r.report?.failure?.stage !== sc.stage || r.report.failure.cause !== sc.cause);
      const ms = median(runs.map((r) => r.ms));
      const where = overshoot(runs);
      const goError = (g.stdout.match(/"Error": "([^"\n]{0,300})/)?.[1] ?? g.stderr.split('\n').find((l) => l.trim() !== '') ?? '').slice(0, 300);
      samples[sc.id] = { probeMs: runs.map((r) => r.ms), goMs: g.ms, goExit: g.exit, goError };
      figures.push({
        id: `failure.${sc.id}`,
        title: `bounded failure: ${sc.title}`,
        value: round(ms),
        unit: 'ms',
        target: `<= ${Math.round(allowance)} ms`,
        holds: wrong.length === 0 && ms <= allowance,
        detail: `median of ${o.runs}, --timeout ${o.timeoutMs}ms (+10% + start-up ${Math.round(o.startupMs)} ms); ${
          wrong.length === 0 ? `every run failed at ${sc.stage} with ${sc.cause}` : `WRONG VERDICT in ${wrong.length} run(s): ${wrong.map((r) => `${r.report?.failure?.stage}/${r.report?.failure?.cause} exit ${r.exit}`).join(', ')}`
        }; CPU ${Math.round(median(runs.map((r) => r.cpuMs)))} ms; where the wall time went (medians): ${where}`,
      });
      figures.push({
        id: `failure.${sc.id}.go`,
        title: `  go gives up after (${sc.id})`,
        value: round(g.ms),
        unit: 'ms',
        target: '-',
        holds: undefined,
        detail: `one run, exit ${g.exit}${g.timedOut ? ' (killed by the bench at 90 s)' : ''}: ${goError}`,
      });
    }
    return { figures, samples };
  } finally {
    for (const pod of o.pods.slice(0, SCENARIOS.length)) await o.lab.clearPolicy(pod);
  }
}

/**
 * The wall time of probe runs, part by part, from each run's report.json: outside the run
 * (process start-up before the run starts, report writing and exit after it: the wall time less the
 * report's durationMs), each stage in order (a stage that waits for work started earlier, such as the
 * sumdb stage for the zip's redirect chain, holds that wait), and the rest inside the run (stage
 * hand-overs, closing connections). Medians of each part over the runs.
 */
export function overshoot(runs: readonly ProbeRun[]): string {
  const reports = runs.flatMap((r) => (r.report ? [{ ms: r.ms, rep: r.report }] : []));
  if (reports.length === 0) return 'no report';
  const m = (values: number[]): number => Math.round(median(values));
  const names = [...new Set(reports.flatMap(({ rep }) => rep.stages.map((s) => s.stage)))];
  const stages = names.map((name) => `${name} ${m(reports.map(({ rep }) => rep.stages.find((s) => s.stage === name)?.durationMs ?? 0))} ms`);
  const outside = m(reports.map(({ ms, rep }) => ms - rep.durationMs));
  const rest = m(reports.map(({ rep }) => rep.durationMs - rep.stages.reduce((a, s) => a + s.durationMs, 0)));
  return `outside the run (start-up, reports, exit) ${outside} ms, ${stages.join(', ')}, the rest ${rest} ms`;
}
