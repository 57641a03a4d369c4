// go's ClientHello through a box that acts on packet size (nftables in the services namespace, on the
// pod's traffic): client packets over 1000 bytes to 443 are dropped, or reset. go 1.24 and 1.27 send a
// 1.5 KB hello (an X25519MLKEM768 share) and fail; go 1.23, and any go with
// GODEBUG=tlsmlkem=0,tlssecpmlkem=0, send ~300 bytes and pass. Each scenario runs with each real go and
// with the probe told that go (--go-version); they must agree, and the probe must name the hello.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judge } from './lab/agreement.js';
import { E2eLab } from './lab/lab.js';
import type { Pod } from './lab/netns.js';
import { mapConcurrent } from './lab/pool.js';
import { POLICIES, type EgressPolicy } from './lab/nft.js';
import { goEnv, runGo, runProbe, type GoOutcome, type ProbeOutcome } from './lab/runners.js';
import { applyEnvChange, baseLabEnv, MODULE_AT_VERSION, type Expectation, type Scenario } from './lab/scenarios.js';
import { gate } from './lab/suite.js';
import { EGRESS_PROXY_PORT, HOST_NAMES } from './lab/topology.js';
import { LAB_GO_MINORS, type LabGoMinor } from './lab/gos.js';

const suite = await gate("go's ClientHello on the wire", process.env);
const SMALL_HELLO = 'tlsmlkem=0,tlssecpmlkem=0';

interface HelloScenario {
  readonly id: string;
  readonly policy: EgressPolicy;
  readonly godebug?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** What each go does there. */
  readonly expect: (minor: LabGoMinor) => Expectation;
}

const bigHello = (minor: LabGoMinor): boolean => minor >= 24;
const HINT = /GODEBUG=tlsmlkem=0,tlssecpmlkem=0/;

const HELLO_SCENARIOS: readonly HelloScenario[] = [
  {
    id: 'hello-dropped',
    policy: POLICIES.helloDropped,
    expect: (minor) => (bigHello(minor) ? { pass: false, stage: 'tls', cause: 'tls.hello_dropped', hint: HINT, goError: /net\/http: TLS handshake timeout/ } : { pass: true }),
  },
  {
    id: 'hello-reset',
    policy: POLICIES.helloRejected,
    expect: (minor) => (bigHello(minor) ? { pass: false, stage: 'tls', cause: 'tls.hello_reset', hint: HINT, goError: /read: connection reset by peer/ } : { pass: true }),
  },
  {
    // Through an HTTPS_PROXY the hello travels inside the CONNECT tunnel, to the proxy's port.
    id: 'hello-dropped-via-proxy',
    policy: { kind: 'deny', name: 'drop client packets over 1000 bytes to the egress proxy', rules: [{ to: ['egress'], proto: 'tcp', ports: [EGRESS_PROXY_PORT], longerThan: 1000, verdict: 'drop' }] },
    env: { HTTPS_PROXY: `http://${HOST_NAMES.egress}:${EGRESS_PROXY_PORT}` },
    expect: (minor) => (bigHello(minor) ? { pass: false, stage: 'tls', cause: 'tls.hello_dropped', hint: HINT, goError: /net\/http: TLS handshake timeout/ } : { pass: true }),
  },
  { id: 'hello-dropped-small', policy: POLICIES.helloDropped, godebug: SMALL_HELLO, expect: () => ({ pass: true }) },
  { id: 'hello-reset-small', policy: POLICIES.helloRejected, godebug: SMALL_HELLO, expect: () => ({ pass: true }) },
];

interface Run {
  readonly scenario: Scenario;
  readonly minor: LabGoMinor;
  readonly go: GoOutcome;
  readonly probe: ProbeOutcome;
  readonly problems: readonly string[];
}

describe.skipIf(!suite.run)("e2e: go's ClientHello through a size-filtering box, per go version", () => {
  let lab: E2eLab | undefined;
  const runs = new Map<string, Run>();
  const cases = HELLO_SCENARIOS.flatMap((h) => LAB_GO_MINORS.map((minor) => ({ h, minor })));

  beforeAll(async () => {
    lab = await E2eLab.start({ tag: 'hlo' });
    const pods: Pod[] = [];
    for (let i = 0; i < cases.length; i++) pods.push(await lab.addPod());
    await mapConcurrent([...cases.keys()], 6, async (i) => {
      const { h, minor } = cases[i]!;
      const go = suite.pre.gos.found.find((g) => g.minor === minor);
      if (!go) return;
      const scenario: Scenario = { id: `${h.id}-go1.${minor}`, title: h.id, policy: h.policy, expect: h.expect(minor) };
      const pod = pods[i]!;
      await lab!.applyPolicy(pod, h.policy);
      const env = applyEnvChange(baseLabEnv(lab!.content), { ...h.env, ...(h.godebug ? { GODEBUG: h.godebug } : {}) });
      const goBinDir = go.bin.replace(/\/go$/, '');
      const goDir = lab!.freshDir(`${scenario.id}-go`);
      const probeDir = lab!.freshDir(`${scenario.id}-probe`);
      const [goRun, probe] = await Promise.all([
        runGo({ ns: pod.ns, goBin: go.bin, env: goEnv(goDir, env, goBinDir), module: MODULE_AT_VERSION, cwd: goDir }),
        runProbe({ ns: pod.ns, node: suite.pre.node, cli: suite.pre.cli, env: goEnv(probeDir, env, goBinDir), module: MODULE_AT_VERSION, reportDir: join(probeDir, 'report'), cwd: probeDir, extraArgs: ['--go-version', `1.${minor}`] }),
      ]);
      await lab!.clearPolicy(pod);
      runs.set(scenario.id, { scenario, minor, go: goRun, probe, problems: judge(scenario, minor, goRun, probe) });
    });
  }, 600_000);

  afterAll(async () => {
    const rows = [...runs.values()].map((r) => `  ${r.scenario.id.padEnd(28)} go exit ${String(r.go.exit).padEnd(3)} ${(r.go.firstError || 'ok').slice(0, 70).padEnd(72)} probe ${r.probe.report?.failure?.cause ?? 'pass'}`);
    if (rows.length > 0) console.log(`\ngo's ClientHello through a size-filtering box\n${rows.join('\n')}\n`);
    await lab?.stop({ keepFiles: process.env['GOMODPROBE_E2E_KEEP'] === '1' });
  }, 60_000);

  for (const { h, minor } of cases) {
    const e = h.expect(minor);
    // Outside CI a missing go skips its rows, visibly; under CI it fails (as the agreement test's prerequisites do).
    const missing = !suite.pre.gos.found.some((g) => g.minor === minor) && !suite.ci;
    it.skipIf(missing)(`${h.id}${h.godebug ? ` (GODEBUG=${h.godebug})` : ''}, go 1.${minor}: ${e.pass ? 'go and the probe pass' : `go fails and the probe names ${e.cause}`}${missing ? ` (skipped: ${suite.pre.gos.missing})` : ''}`, () => {
      const r = runs.get(`${h.id}-go1.${minor}`);
      expect(r, `go 1.${minor} did not run: ${suite.pre.gos.missing}`).toBeDefined();
      expect(r!.problems, `go: exit ${r!.go.exit} ${r!.go.firstError}\nprobe: exit ${r!.probe.exit} ${JSON.stringify(r!.probe.report?.failure ?? r!.probe.stderr.slice(0, 500))}`).toEqual([]);
      if (!e.pass) expect(r!.probe.report!.failure!.goError).toMatch(e.goError);
    });
  }
});
