// Figure 8 (#15 item 6): the toolchain check adds no more round trips to the probe's critical path than go
// spends before its first module request. In the delayed pod (every frame held, so each round trip costs
// the link's RTT), per round:
//   - the probe with go.mod `go 1.22` (no switch) and with `go 1.27.3` (go 1.23.5 switches: the probe also
//     checks golang.org/toolchain's zip, record and chain); the difference over the RTT is what the
//     toolchain check adds to the critical path;
//   - go 1.23.5 with go.mod `go 1.27.3` (it downloads, verifies and runs the lab's go1.27.3 toolchain,
//     which then downloads the module) against go 1.27.3 itself on the same go.mod (no switch): the
//     difference is what the switch costs go before the new go makes its first module request.
// go's cost is also given as the round trips its sequence cannot avoid (toolchain.Exec then modfetch): a
// fresh process for the switched-to go, so nothing of the first connection is reused.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseResolvConf } from '../src/net/resolvconf.js';
import type { LabContent } from '../test/e2e/lab/content.js';
import { goEnv } from '../test/e2e/lab/runners.js';
import { baseLabEnv, MODULE_AT_VERSION } from '../test/e2e/lab/scenarios.js';
import { GOPROXY_PATHS } from '../test/e2e/lab/servers.js';
import { HOST_IPS, HOST_NAMES, POD_RESOLV_CONF } from '../test/e2e/lab/topology.js';
import { measure, type Measured } from './exec.js';
import { dnsRounds } from './lowerbound.js';
import { measureRtt } from './rtt.js';
import { median, round, type Figure } from './stats.js';
import { freshDir, type FullReport, type Subjects } from './subjects.js';

export interface ToolchainOptions {
  readonly subjects: Subjects;
  /** go 1.27.3: the go the switch goes to, run directly for the no-switch baseline. */
  readonly go127: string;
  readonly ns: string;
  readonly content: LabContent;
  readonly runs: number;
  readonly log: (line: string) => void;
}

export interface ToolchainResult {
  readonly figures: Figure[];
  readonly samples: Record<string, number[]>;
}

const SWITCH = 'module example.com/app\n\ngo 1.27.3\n';
const NO_SWITCH = 'module example.com/app\n\ngo 1.22\n';

interface Run extends Measured {
  readonly report?: FullReport;
}

export async function toolchainFigures(o: ToolchainOptions): Promise<ToolchainResult> {
  const s = o.subjects;
  if (!o.content.toolchainDir) throw new Error('the lab serves no toolchain (go 1.27 is not installed: scripts/install-gos.sh)');
  const labEnv = { ...baseLabEnv(o.content), GOPROXY: `https://${HOST_NAMES.proxy}${GOPROXY_PATHS.toolchain}`, GOTOOLCHAIN: 'auto' };
  const run = async (who: 'probe' | 'go123' | 'go127', gomod: string): Promise<Run> => {
    const dir = freshDir(s, `tc-${who}`);
    writeFileSync(join(dir, 'go.mod'), gomod);
    const goBin = who === 'go127' ? o.go127 : s.goBin;
    const env = { ...goEnv(dir, labEnv, goBin.replace(/\/go$/, '')), GOTOOLCHAIN: 'auto' };
    if (who !== 'probe') return measure({ python: s.python, ns: o.ns, env, cwd: dir, timeoutS: 180, cmd: [goBin, 'mod', 'download', '-json', MODULE_AT_VERSION] });
    const reportDir = join(dir, 'report');
    const m = await measure({
      python: s.python, ns: o.ns, env, cwd: dir, timeoutS: 120,
      cmd: [s.node, ...s.nodeFlags, s.cli, '--report-dir', reportDir, '--format', 'json', '--module', MODULE_AT_VERSION, '--gomod', join(dir, 'go.mod'), '--go-version', '1.23.5'],
    });
    const file = join(reportDir, 'report.json');
    return { ...m, ...(existsSync(file) ? { report: JSON.parse(readFileSync(file, 'utf8')) as FullReport } : {}) };
  };
  const rttProbe = { ns: o.ns, node: s.node, host: HOST_IPS.proxy, port: 443 };
  const rttBefore = await measureRtt(rttProbe);
  // Warm the caches (the lab's files, node's and go's binaries) and learn whether each subject passes.
  const failures: string[] = [];
  for (const [who, gomod] of [['probe', NO_SWITCH], ['probe', SWITCH], ['go123', SWITCH], ['go127', SWITCH]] as const) {
    const r = await run(who, gomod);
    if (r.exit !== 0) throw new Error(`${who} with ${gomod === SWITCH ? 'go 1.27.3' : 'go 1.22'} does not pass (exit ${r.exit}): ${r.stderr.slice(-400)} ${r.stdout.slice(-400)}`);
  }
  const samples = { probeNoSwitchMs: [] as number[], probeSwitchMs: [] as number[], go123SwitchMs: [] as number[], go127Ms: [] as number[], probeAddedMs: [] as number[], goSwitchMs: [] as number[] };
  let switched: FullReport | undefined;
  for (let i = 0; i < o.runs; i++) {
    const order = [0, 1, 2, 3].map((k) => (k + i) % 4);
    const r: Run[] = [];
    for (const k of order) {
      r[k] = await run(k < 2 ? 'probe' : k === 2 ? 'go123' : 'go127', k === 0 ? NO_SWITCH : SWITCH);
      if (r[k]!.exit !== 0) failures.push(`round ${i + 1} subject ${k}: exit ${r[k]!.exit}`);
    }
    switched ??= r[1]!.report;
    samples.probeNoSwitchMs.push(r[0]!.ms);
    samples.probeSwitchMs.push(r[1]!.ms);
    samples.go123SwitchMs.push(r[2]!.ms);
    samples.go127Ms.push(r[3]!.ms);
    samples.probeAddedMs.push(r[1]!.ms - r[0]!.ms);
    samples.goSwitchMs.push(r[2]!.ms - r[3]!.ms);
    o.log(`  round ${i + 1}/${o.runs}: probe ${Math.round(r[0]!.ms)} -> ${Math.round(r[1]!.ms)} ms with the switch; go1.23 switching ${Math.round(r[2]!.ms)} ms, go1.27 ${Math.round(r[3]!.ms)} ms`);
  }
  const rttAfter = await measureRtt(rttProbe);
  const rtt = (rttBefore.medianMs + rttAfter.medianMs) / 2;
  const added = median(samples.probeAddedMs) / rtt;
  const goSwitch = median(samples.goSwitchMs) / rtt;
  const goBound = goSwitchLowerBound();
  const toolchainEvidence = switched?.stages.find((st) => st.stage === 'proxy')?.evidence['toolchain'];
  const clean = failures.length === 0 && toolchainEvidence !== undefined;
  const failed = clean ? '' : `; FAILED: ${failures.join('; ') || 'the switching probe run has no toolchain evidence'}`;
  return {
    samples,
    figures: [
      {
        id: 'toolchain.probe_added_rtt',
        title: 'toolchain check: round trips it adds to the probe (wall difference / RTT)',
        value: round(added, 1),
        unit: 'rtt',
        target: `<= ${goBound.roundTrips} rtt (go's, before its first module request)`,
        holds: clean && added <= goBound.roundTrips,
        detail: `median of ${o.runs} per-round differences, probe with go.mod go 1.27.3 (--go-version 1.23.5: switch to go1.27.3, zip prefix, record, chain checked) minus go 1.22 (no switch): ${Math.round(median(samples.probeSwitchMs))} - ${Math.round(median(samples.probeNoSwitchMs))} ms; RTT ${round(rtt, 2)} ms measured${failed}`,
      },
      {
        id: 'toolchain.go_lower_bound_rtt',
        title: 'toolchain switch: round trips go cannot avoid before its first module request',
        value: goBound.roundTrips,
        unit: 'rtt',
        target: '-',
        holds: undefined,
        detail: goBound.path.join(', '),
      },
      {
        id: 'toolchain.go_switch_rtt',
        title: 'toolchain switch: what it costs go (go1.23.5 switching - go1.27.3 direct) / RTT',
        value: round(goSwitch, 1),
        unit: 'rtt',
        target: '-',
        holds: undefined,
        detail: `median of ${o.runs} per-round differences: ${Math.round(median(samples.go123SwitchMs))} - ${Math.round(median(samples.go127Ms))} ms; includes the ~8 MB zip's transfer, unpacking and the new go's start, not round trips alone${failed}`,
      },
    ],
  };
}

/**
 * go 1.23's sequence before the switched-to go asks for the module (toolchain/select.go Exec →
 * modfetch.Download → downloadZip, then checkMod → the checksum database), each step waiting for the last:
 * the proxy's name (one round trip per name of the search list that go asks), TCP, TLS 1.3 (one), the
 * zip; /supported on the same connection (404 here: the lab's toolchain tree does not serve the database),
 * then the database's own name, TCP, TLS, the lookup and its tiles (one, asked together).
 */
function goSwitchLowerBound(): { roundTrips: number; path: string[] } {
  const conf = parseResolvConf(POD_RESOLV_CONF, 'pod');
  const names = (host: string): number => dnsRounds(host, conf);
  const steps: [string, number][] = [
    [`dns ${HOST_NAMES.proxy}`, names(HOST_NAMES.proxy)], ['tcp', 1], ['tls', 1], ['GET toolchain .zip', 1],
    ['GET /sumdb/.../supported', 1],
    [`dns ${HOST_NAMES.sum}`, names(HOST_NAMES.sum)], ['tcp', 1], ['tls', 1], ['lookup', 1], ['tiles', 1],
  ];
  return { roundTrips: steps.reduce((n, [, k]) => n + k, 0), path: steps.map(([s, k]) => `${s} ${k}`) };
}
