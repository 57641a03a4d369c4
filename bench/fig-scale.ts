// Figure 5, scale: --gomod with 10, 100 and 500 required modules (the lab's bulk modules) in the pod
// behind the delay relay: wall time and peak RSS for each, and what one more module costs.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabContent } from '../test/e2e/lab/content.js';
import { baseLabEnv } from '../test/e2e/lab/scenarios.js';
import { median, round, type Figure } from './stats.js';
import { freshDir, runGoModDownload, runProbe, type ProbeRun, type Subjects } from './subjects.js';
import { overshoot } from './fig-failure.js';

export interface ScaleOptions {
  readonly subjects: Subjects;
  readonly ns: string;
  readonly content: LabContent;
  readonly counts: readonly number[];
  readonly runs: number;
  readonly rttMs: number;
  readonly log: (line: string) => void;
}

export interface ScaleResult {
  readonly figures: Figure[];
  readonly samples: Record<string, { ms: number[]; rssKb: number[] }>;
}

const TARGET_COUNT = 500;
const TARGET_MS = 4000;
const TARGET_MB = 100;

export function goModFor(modules: readonly { path: string; version: string }[]): string {
  return ['module bench.test/app', '', 'go 1.21', '', 'require (', ...modules.map((m) => `\t${m.path} ${m.version}`), ')', ''].join('\n');
}

export async function scaleFigures(o: ScaleOptions): Promise<ScaleResult> {
  const labEnv = baseLabEnv(o.content);
  const figures: Figure[] = [];
  const samples: ScaleResult['samples'] = {};
  const medians: { n: number; ms: number }[] = [];
  for (const n of o.counts) {
    if (n > o.content.bulk.length) throw new RangeError(`the lab serves ${o.content.bulk.length} bulk modules, not ${n}`);
    const dir = freshDir(o.subjects, `gomod-${n}`);
    const gomod = join(dir, 'go.mod');
    writeFileSync(gomod, goModFor(o.content.bulk.slice(0, n)));
    const runs: ProbeRun[] = [];
    const problems: string[] = [];
    for (let r = 0; r < o.runs; r++) {
      const p = await runProbe(o.subjects, { ns: o.ns, labEnv, args: ['--gomod', gomod, '--max-modules', String(n)], timeoutS: 180 });
      const probed = (p.report?.stages.find((s) => s.stage === 'proxy')?.evidence['modules'] as unknown[] | undefined)?.length ?? 0;
      if (p.exit !== 0 || p.report?.verdict !== 'pass') problems.push(`run ${r + 1}: exit ${p.exit} ${p.report?.failure ? `${p.report.failure.stage}/${p.report.failure.cause}: ${p.report.failure.detail.slice(0, 200)}` : p.stderr.slice(-200)}`);
      else if (probed !== n) problems.push(`run ${r + 1}: ${probed} modules probed, not ${n}`);
      runs.push(p);
    }
    // go's own parallelism is the reference: go mod download of the same go.mod, once, at the target size.
    let goNote = '';
    if (n === TARGET_COUNT) {
      const goDir = freshDir(o.subjects, `go-gomod-${n}`);
      writeFileSync(join(goDir, 'go.mod'), goModFor(o.content.bulk.slice(0, n)));
      const g = await runGoModDownload(o.subjects, { ns: o.ns, labEnv, dir: goDir, timeoutS: 300 });
      goNote = g.exit === 0 ? `; go mod download of the same go.mod: ${Math.round(g.ms)} ms wall, ${Math.round(g.cpuMs)} ms CPU, ${round(g.maxRssKb / 1024, 1)} MB` : `; go mod download of the same go.mod failed (exit ${g.exit}): ${g.stderr.slice(-200)}`;
      samples[`go-${n}`] = { ms: [g.ms], rssKb: [g.maxRssKb] };
    }
    const ms = median(runs.map((r) => r.ms));
    const rssMb = median(runs.map((r) => r.maxRssKb)) / 1024;
    const peakMb = Math.max(...runs.map((r) => r.maxRssKb)) / 1024;
    samples[String(n)] = { ms: runs.map((r) => r.ms), rssKb: runs.map((r) => r.maxRssKb) };
    medians.push({ n, ms });
    o.log(`  ${n} modules: ${runs.map((r) => `${Math.round(r.ms)} ms/${Math.round(r.maxRssKb / 1024)} MB`).join(', ')}${problems.length ? `; ${problems.join('; ')}` : ''}`);
    const ok = problems.length === 0;
    const failed = ok ? '' : `; FAILED: ${problems.join('; ')}`;
    const isTarget = n === TARGET_COUNT;
    figures.push({
      id: `scale.${n}.ms`,
      title: `scale: --gomod, ${n} modules (RTT ${o.rttMs} ms)`,
      value: round(ms),
      unit: 'ms',
      target: isTarget ? `<= ${TARGET_MS} ms` : '-',
      holds: isTarget ? ok && ms <= TARGET_MS : ok ? undefined : false,
      detail: `median of ${o.runs}; ${round(ms / n, 1)} ms per module; CPU ${Math.round(median(runs.map((r) => r.cpuMs)))} ms; where the wall time went (medians): ${overshoot(runs)}${goNote}${failed}`,
    });
    figures.push({
      id: `scale.${n}.rss`,
      title: `scale: peak RSS, ${n} modules`,
      value: round(rssMb, 1),
      unit: 'MB',
      target: isTarget ? `<= ${TARGET_MB.toFixed(1)} MB` : '-',
      holds: isTarget ? ok && rssMb <= TARGET_MB : ok ? undefined : false,
      detail: `median of ${o.runs} peaks, highest ${round(peakMb, 1)} MB${failed}`,
    });
  }
  if (medians.length >= 2) {
    const a = medians[0]!;
    const b = medians.at(-1)!;
    figures.push({
      id: 'scale.marginal_ms',
      title: `scale: cost of one more module (${a.n} -> ${b.n})`,
      value: round((b.ms - a.ms) / (b.n - a.n), 1),
      unit: 'ms',
      target: '-',
      holds: undefined,
      detail: 'slope between the smallest and the largest run',
    });
  }
  return { figures, samples };
}
