// Figure 1, start-up: `node dist/gomodprobe.mjs --version` against `node -e 0`, alternated run by run
// on the host (no namespace: nothing here touches the network).

import { measure } from './exec.js';
import { median, round, type Figure } from './stats.js';
import type { Subjects } from './subjects.js';

export interface StartupResult {
  readonly figures: Figure[];
  /** Median start-up of the bundle: the allowance in the bounded-failure targets. */
  readonly probeMs: number;
  readonly samples: { readonly nodeMs: number[]; readonly probeMs: number[]; readonly probeRssKb: number[] };
}

export async function startupFigures(s: Subjects, runs: number, log: (line: string) => void): Promise<StartupResult> {
  const node = { python: s.python, cmd: [s.node, '-e', '0'], cwd: s.workDir, timeoutS: 30 };
  const probe = { python: s.python, cmd: [s.node, ...s.nodeFlags, s.cli, '--version'], cwd: s.workDir, timeoutS: 30 };
  // Warm the page cache for both before anything counts.
  for (let i = 0; i < 2; i++) {
    await measure(node);
    await measure(probe);
  }
  const samples = { nodeMs: [] as number[], probeMs: [] as number[], probeRssKb: [] as number[] };
  const ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Alternate who goes first, so neither always runs on a warmer machine.
    const order = i % 2 === 0 ? [node, probe] : [probe, node];
    const [a, b] = [await measure(order[0]!), await measure(order[1]!)];
    const [n, p] = order[0] === node ? [a, b] : [b, a];
    if (n.exit !== 0 || p.exit !== 0 || !/^gomodprobe /.test(p.stdout)) throw new Error(`start-up run failed: node exit ${n.exit}, probe exit ${p.exit}: ${p.stderr.slice(0, 300)}`);
    samples.nodeMs.push(n.ms);
    samples.probeMs.push(p.ms);
    samples.probeRssKb.push(p.maxRssKb);
    ratios.push(p.ms / n.ms);
  }
  const ratio = median(ratios);
  const probeMs = median(samples.probeMs);
  const nodeMs = median(samples.nodeMs);
  log(`start-up: node -e 0 ${round(nodeMs)} ms, gomodprobe --version ${round(probeMs)} ms (medians of ${runs})`);
  return {
    probeMs,
    samples,
    figures: [
      {
        id: 'startup.ratio',
        title: 'start-up: --version / node -e 0',
        value: round(ratio, 2),
        unit: 'x',
        target: '<= 1.50x',
        holds: ratio <= 1.5,
        detail: `median of ${runs} paired ratios; medians ${round(probeMs)} ms vs ${round(nodeMs)} ms`,
      },
      { id: 'startup.probe_ms', title: 'start-up: gomodprobe --version', value: round(probeMs), unit: 'ms', target: '-', holds: undefined, detail: `median of ${runs}` },
      { id: 'startup.node_ms', title: 'start-up: node -e 0', value: round(nodeMs), unit: 'ms', target: '-', holds: undefined, detail: `median of ${runs}` },
    ],
  };
}
