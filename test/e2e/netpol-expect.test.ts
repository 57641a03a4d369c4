// NetworkPolicy regression mode, end to end: the manifests in k8s/netpol-test/policies/ enforced with
// nftables at the services end of the pod's veth (as a CNI enforces them), the probe run with --expect.
// The expectation each manifest carries exits 0, every other expectation exits 3, and go agrees with the
// manifest's verdict: it fails where the policy breaks it and succeeds where it does not.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2eLab } from './lab/lab.js';
import { egressFor, labSuitePolicies, podSelectedBy, type NetworkPolicyFile } from './lab/netpol.js';
import { mapConcurrent } from './lab/pool.js';
import { goEnv, runGo, runProbe, type GoOutcome, type ProbeOutcome } from './lab/runners.js';
import { baseLabEnv, MODULE_AT_VERSION } from './lab/scenarios.js';
import { gate } from './lab/suite.js';
import { HOST_IPS, HOST_NAMES } from './lab/topology.js';

const suite = await gate('NetworkPolicy --expect', process.env);
// k8s/netpol-test rendered by kustomize with suite.env describing the lab (labSuitePolicies).
const POLICIES = labSuitePolicies();
const EXPECTATIONS = ['pass', 'fail:dns', 'fail:tcp', 'fail:redirect'] as const;
/** The host go's error must name when a policy breaks it at this stage. */
const BROKEN_HOST: Readonly<Record<string, string>> = { 'fail:tcp': HOST_IPS.proxy, 'fail:redirect': HOST_IPS.storage };

interface ProbeCase {
  readonly policy: NetworkPolicyFile;
  readonly args: readonly string[];
  readonly wantExit: number;
  readonly label: string;
}

const cases: ProbeCase[] = POLICIES.flatMap((policy) => [
  ...EXPECTATIONS.map((e) => ({ policy, args: ['--expect', e], wantExit: e === policy.expect ? 0 : 3, label: `--expect ${e}` })),
  // --must-block: the object store is blocked where the policy says so, and reachable where it allows it.
  ...(policy.expect === 'fail:redirect' || policy.expect === 'pass'
    ? [{ policy, args: ['--expect', policy.expect, '--must-block', `${HOST_NAMES.storage}:443`], wantExit: policy.expect === 'pass' ? 4 : 0, label: `--expect ${policy.expect} --must-block ${HOST_NAMES.storage}:443` }]
    : []),
]);

describe.skipIf(!suite.ci)('e2e prerequisites (CI)', () => {
  it('has everything the lab needs', () => {
    expect(suite.pre.ok, `CI=true but the e2e lab cannot run: ${suite.pre.reason}`).toBe(true);
  });
});

describe.skipIf(!suite.run)('e2e: NetworkPolicy regression mode (--expect) under the k8s/netpol-test manifests', () => {
  let lab: E2eLab | undefined;
  const probes = new Map<ProbeCase, ProbeOutcome>();
  const gos = new Map<NetworkPolicyFile, GoOutcome>();

  beforeAll(async () => {
    lab = await E2eLab.start({ tag: 'exp' });
    const pods = new Map<NetworkPolicyFile, Awaited<ReturnType<E2eLab['addPod']>>>();
    for (const policy of POLICIES) {
      const pod = await lab.addPod();
      const rules = egressFor(POLICIES, podSelectedBy(policy));
      if (!rules) throw new Error(`${policy.file} selects no probe pod`);
      await lab.applyPolicy(pod, rules);
      pods.set(policy, pod);
    }
    const labEnv = baseLabEnv(lab.content);
    const goBinDir = suite.pre.goBin.replace(/\/go$/, '');
    type Job = { kind: 'go'; policy: NetworkPolicyFile } | { kind: 'probe'; c: ProbeCase };
    const jobs: Job[] = [...POLICIES.map((policy) => ({ kind: 'go' as const, policy })), ...cases.map((c) => ({ kind: 'probe' as const, c }))];
    await mapConcurrent(jobs, 8, async (job) => {
      const policy = job.kind === 'go' ? job.policy : job.c.policy;
      const pod = pods.get(policy)!;
      const dir = lab!.freshDir(`${policy.name}-${job.kind}`);
      const env = goEnv(dir, labEnv, goBinDir);
      if (job.kind === 'go') {
        gos.set(policy, await runGo({ ns: pod.ns, goBin: suite.pre.goBin, env, module: MODULE_AT_VERSION, cwd: dir }));
      } else {
        probes.set(job.c, await runProbe({ ns: pod.ns, node: suite.pre.node, cli: suite.pre.cli, env, module: MODULE_AT_VERSION, reportDir: join(dir, 'report'), cwd: dir, extraArgs: job.c.args }));
      }
    });
  }, 300_000);

  afterAll(async () => {
    const rows = cases.map((c) => {
      const p = probes.get(c);
      return `| ${c.policy.file.padEnd(32)} | ${c.label.padEnd(60)} | want ${c.wantExit} | got ${String(p?.exit ?? '-').padEnd(3)} | ${p?.report?.failure ? `${p.report.failure.stage} ${p.report.failure.cause}` : (p?.report?.verdict ?? '-')} |`;
    });
    const goRows = POLICIES.map((p) => `| ${p.file.padEnd(32)} | go mod download: exit ${gos.get(p)?.exit ?? '-'} ${gos.get(p)?.firstError.slice(0, 120) ?? ''}`);
    if (probes.size > 0) console.log(`\nNetworkPolicy regression mode\n${[...rows, ...goRows].join('\n')}\n`);
    await lab?.stop({ keepFiles: process.env['GOMODPROBE_E2E_KEEP'] === '1' });
  }, 60_000);

  for (const policy of POLICIES) {
    it(`${policy.file}: go ${policy.expect === 'pass' ? 'succeeds' : 'fails'} under it`, () => {
      const go = gos.get(policy);
      expect(go, 'go did not run').toBeDefined();
      if (policy.expect === 'pass') {
        expect(go!.exit, go!.error).toBe(0);
      } else {
        expect(go!.exit, 'go should fail under this policy').not.toBe(0);
        // What go hits first under the policy: the cluster DNS (fail:dns) or a dropped 443.
        if (policy.expect === 'fail:dns') expect(go!.error).toMatch(/dial tcp: lookup proxy\.lab\.test on [\d.]+:53: .*i\/o timeout/);
        else expect(go!.error).toContain(`dial tcp ${BROKEN_HOST[policy.expect ?? ''] ?? '?'}:443`);
      }
    });
  }

  for (const c of cases) {
    it(`${c.policy.file}: ${c.label} exits ${c.wantExit}`, () => {
      const p = probes.get(c);
      expect(p, 'the probe did not run').toBeDefined();
      expect(p!.exit, `${p!.stderr.slice(0, 500)} ${JSON.stringify(p!.report?.failure ?? p!.report?.expect)}`).toBe(c.wantExit);
      expect(p!.report?.expect?.expected).toBe(c.args[1]);
      expect(p!.report?.expect?.met).toBe(c.args[1] === c.policy.expect);
    });
  }
});
