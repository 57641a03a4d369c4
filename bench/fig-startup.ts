// Figure 1, start-up: `node dist/gomodprobe.mjs --version` against `node -e 0`, alternated run by run
// on the host (no namespace: nothing here touches the network).

import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { measure } from './exec.js';
import { median, round, type Figure } from './stats.js';
import type { Subjects } from './subjects.js';

export interface StartupResult {
  readonly figures: Figure[];
  /** Median start-up of the bundle: the allowance in the bounded-failure targets. */
  readonly probeMs: number;
  readonly samples: {
    readonly nodeMs: number[];
    readonly nodeCpuMs: number[];
    readonly probeMs: number[];
    readonly probeCpuMs: number[];
    readonly probeRssKb: number[];
    readonly offlineMs: number[];
    readonly offlineCpuMs: number[];
    readonly offlineNodeMs: number[];
  };
}

/** Start-up (--version) against `node -e 0`: the target. */
const STARTUP_TARGET = 1.3;
/** A run without network hops (GOPROXY=off) against `node -e 0`: the target. */
const OFFLINE_TARGET = 1.5;

export async function startupFigures(s: Subjects, runs: number, log: (line: string) => void): Promise<StartupResult> {
  const node = { python: s.python, cmd: [s.node, '-e', '0'], cwd: s.workDir, timeoutS: 30 };
  const probe = { python: s.python, cmd: [s.node, ...s.nodeFlags, s.cli, '--version'], cwd: s.workDir, timeoutS: 30 };
  // Its own HOME, no go env file, the system trust store: what a build pod with GOPROXY=off has.
  const offline = (): Parameters<typeof measure>[0] => {
    const dir = mkdtempSync(join(s.workDir, 'offline-'));
    return {
      python: s.python,
      cmd: [s.node, ...s.nodeFlags, s.cli, '--module', 'example.com/m@v1.0.0', '--report-dir', join(dir, 'report'), '--format', 'json'],
      cwd: dir,
      env: { PATH: '/usr/bin:/bin', HOME: dir, GOPROXY: 'off', GOSUMDB: 'off' },
      timeoutS: 30,
    };
  };
  // Warm the page cache for all before anything counts.
  for (let i = 0; i < 2; i++) {
    await measure(node);
    await measure(probe);
    await measure(offline());
  }
  const samples = { nodeMs: [] as number[], nodeCpuMs: [] as number[], probeMs: [] as number[], probeCpuMs: [] as number[], probeRssKb: [] as number[], offlineMs: [] as number[], offlineCpuMs: [] as number[], offlineNodeMs: [] as number[] };
  const ratios: number[] = [];
  const offlineRatios: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Alternate who goes first, so neither always runs on a warmer machine.
    const order = i % 2 === 0 ? [node, probe] : [probe, node];
    const [a, b] = [await measure(order[0]!), await measure(order[1]!)];
    const [n, p] = order[0] === node ? [a, b] : [b, a];
    if (n.exit !== 0 || p.exit !== 0 || !/^gomodprobe /.test(p.stdout)) throw new Error(`start-up run failed: node exit ${n.exit}, probe exit ${p.exit}: ${p.stderr.slice(0, 300)}`);
    samples.nodeMs.push(n.ms);
    samples.nodeCpuMs.push(n.cpuMs);
    samples.probeMs.push(p.ms);
    samples.probeCpuMs.push(p.cpuMs);
    samples.probeRssKb.push(p.maxRssKb);
    ratios.push(p.ms / n.ms);
    // The offline run, paired with the node -e 0 just measured (exit 13: proxy.off, the expected failure).
    const o = await measure(offline());
    if (o.exit !== 13) throw new Error(`offline run: exit ${o.exit}, not 13 (proxy.off): ${o.stderr.slice(0, 300)} ${o.stdout.slice(-300)}`);
    const n2 = await measure(node);
    samples.offlineMs.push(o.ms);
    samples.offlineCpuMs.push(o.cpuMs);
    samples.offlineNodeMs.push(n2.ms);
    offlineRatios.push(o.ms / n2.ms);
  }
  const ratio = median(ratios);
  const offlineRatio = median(offlineRatios);
  const probeMs = median(samples.probeMs);
  const nodeMs = median(samples.nodeMs);
  const cpu = { node: median(samples.nodeCpuMs), probe: median(samples.probeCpuMs), offline: median(samples.offlineCpuMs) };
  log(`start-up: node -e 0 ${round(nodeMs)} ms (cpu ${round(cpu.node)}), gomodprobe --version ${round(probeMs)} ms (cpu ${round(cpu.probe)}), GOPROXY=off run ${round(median(samples.offlineMs))} ms (cpu ${round(cpu.offline)}) (medians of ${runs})`);
  return {
    probeMs,
    samples,
    figures: [
      {
        id: 'startup.ratio',
        title: 'start-up: --version / node -e 0',
        value: round(ratio, 2),
        unit: 'x',
        target: `<= ${STARTUP_TARGET.toFixed(2)}x`,
        holds: ratio <= STARTUP_TARGET,
        detail: `median of ${runs} paired ratios; medians ${round(probeMs)} ms vs ${round(nodeMs)} ms wall, ${round(cpu.probe)} ms vs ${round(cpu.node)} ms CPU`,
      },
      { id: 'startup.probe_ms', title: 'start-up: gomodprobe --version', value: round(probeMs), unit: 'ms', target: '-', holds: undefined, detail: `median of ${runs}; CPU ${round(cpu.probe)} ms` },
      { id: 'startup.node_ms', title: 'start-up: node -e 0', value: round(nodeMs), unit: 'ms', target: '-', holds: undefined, detail: `median of ${runs}; CPU ${round(cpu.node)} ms` },
      {
        id: 'offline.ratio',
        title: 'no-network run (GOPROXY=off) / node -e 0',
        value: round(offlineRatio, 2),
        unit: 'x',
        target: `<= ${OFFLINE_TARGET.toFixed(2)}x`,
        holds: offlineRatio <= OFFLINE_TARGET,
        detail: `median of ${runs} paired ratios; all stages, reports written; medians ${round(median(samples.offlineMs))} ms vs ${round(median(samples.offlineNodeMs))} ms wall, ${round(cpu.offline)} ms vs ${round(cpu.node)} ms CPU`,
      },
      { id: 'offline.cpu_ms', title: 'no-network run: CPU (user+sys)', value: round(cpu.offline), unit: 'ms', target: '-', holds: undefined, detail: `median of ${runs}; node -e 0: ${round(cpu.node)} ms` },
    ],
  };
}
