// --emit-networkpolicy, proven in the lab: for each healthy setup (direct, the checksum database on its own
// host, through an egress proxy, dual-stack hosts from a dual-stack pod) the probe runs in an unrestricted pod and writes its Kubernetes
// NetworkPolicy; that policy is then enforced with nftables the way netpol.ts enforces the manifests of
// k8s/netpol-test (a CNI's drop at the far end of the pod's veth). Real go passes under it; with any one
// egress rule removed go fails, and the probe fails at the stage its egress[] names for that rule.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EgressDestination } from '../../src/egress.js';
import { policyPlan } from '../../src/report/networkpolicy.js';
import { E2eLab } from './lab/lab.js';
import { egressFor, parsePolicies, podSelectedBy, type NetworkPolicyFile } from './lab/netpol.js';
import { mapConcurrent } from './lab/pool.js';
import { goEnv, runGo, runProbe, type GoOutcome, type ProbeOutcome } from './lab/runners.js';
import { applyEnvChange, baseLabEnv, MODULE_AT_VERSION } from './lab/scenarios.js';
import type { LabContent } from './lab/content.js';
import { gate } from './lab/suite.js';
import { EGRESS_PROXY_PORT, HOST_IPS, HOST_IPS6, HOST_NAMES, type PodFamilies } from './lab/topology.js';

const suite = await gate('egress policy', process.env);

interface Setup {
  readonly id: string;
  readonly title: string;
  readonly env: (c: LabContent) => Record<string, string>;
  /** The pod's address families (default IPv4 only). */
  readonly pod?: PodFamilies;
  /** What the generated policy must allow besides DNS: per rule, its ip:port ([ip]:port for IPv6) in any order. */
  readonly allows: readonly (readonly string[])[];
}

const SETUPS: readonly Setup[] = [
  {
    id: 'direct',
    title: 'direct: the GOPROXY (which serves the checksum database) and the storage behind the zip redirect',
    env: () => ({}),
    allows: [[`${HOST_IPS.proxy}:443`], [`${HOST_IPS.storage}:443`]],
  },
  {
    id: 'sumdb-host',
    title: 'the checksum database on its own host (GOSUMDB with its URL)',
    env: (c) => ({ GOSUMDB: `${c.sumdbKey} https://${HOST_NAMES.sum}` }),
    allows: [[`${HOST_IPS.proxy}:443`], [`${HOST_IPS.sum}:443`], [`${HOST_IPS.storage}:443`]],
  },
  {
    id: 'egress-proxy',
    title: 'through an egress proxy (HTTPS_PROXY): only the proxy',
    env: () => ({ HTTPS_PROXY: `http://${HOST_NAMES.egress}:${EGRESS_PROXY_PORT}` }),
    allows: [[`${HOST_IPS.egress}:${EGRESS_PROXY_PORT}`]],
  },
  {
    id: 'dual-stack',
    title: 'a dual-stack pod and dual-stack hosts: an IPv4 /32 and an IPv6 /128 per host',
    pod: 'dual-stack',
    env: () => ({ GOPROXY: `https://${HOST_NAMES.dual}` }),
    allows: [[`${HOST_IPS.dual}:443`, `[${HOST_IPS6.dual}]:443`], [`${HOST_IPS.dualStorage}:443`, `[${HOST_IPS6.dualStorage}]:443`]],
  },
];

/** One enforced variant of a generated policy: whole, or with one egress rule removed. */
interface Variant {
  readonly setup: Setup;
  /** undefined: the whole policy; else the index of the egress rule removed. */
  readonly without?: number;
  /** The stage the probe must fail at (from egress[]: the DNS rule is the dns stage's). */
  readonly stage?: string;
  /** What go's error must name. */
  readonly goError?: RegExp;
  readonly label: string;
}

interface Generated {
  readonly probe: ProbeOutcome;
  readonly text: string;
  readonly policy: NetworkPolicyFile;
  readonly egress: readonly EgressDestination[];
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const hostPort = (ip: string, port: number | string): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

describe.skipIf(!suite.ci)('e2e prerequisites (CI)', () => {
  it('has everything the lab needs', () => {
    expect(suite.pre.ok, `CI=true but the e2e lab cannot run: ${suite.pre.reason}`).toBe(true);
  });
});

describe.skipIf(!suite.run)('e2e: the generated NetworkPolicy, enforced', () => {
  let lab: E2eLab | undefined;
  const generated = new Map<string, Generated>();
  const variants: Variant[] = [];
  const outcomes = new Map<Variant, { go: GoOutcome; probe: ProbeOutcome; rules: number }>();

  beforeAll(async () => {
    lab = await E2eLab.start({ tag: 'egp' });
    const goBinDir = suite.pre.goBin.replace(/\/go$/, '');
    const envOf = (s: Setup): Record<string, string> => applyEnvChange(baseLabEnv(lab!.content), s.env(lab!.content));

    // 1. Each setup, unrestricted: the probe passes and writes its policy.
    await mapConcurrent(SETUPS, 4, async (s) => {
      const open = await lab!.addPod({ families: s.pod ?? 'ipv4' });
      const dir = lab!.freshDir(`${s.id}-emit`);
      const file = join(dir, 'networkpolicy.yaml');
      const probe = await runProbe({ ns: open.ns, node: suite.pre.node, cli: suite.pre.cli, env: goEnv(dir, envOf(s), goBinDir), module: MODULE_AT_VERSION, reportDir: join(dir, 'report'), cwd: dir, extraArgs: ['--emit-networkpolicy', file] });
      const text = readFileSync(file, 'utf8');
      const [policy] = parsePolicies(text, `${s.id}.yaml`);
      generated.set(s.id, { probe, text, policy: policy!, egress: (probe.report as unknown as { egress: EgressDestination[] }).egress });
    });

    // 2. The variants: the whole policy, and the policy without each one of its egress rules.
    for (const s of SETUPS) {
      const g = generated.get(s.id)!;
      variants.push({ setup: s, label: 'the whole policy' });
      const allowed = policyPlan(g.egress).allow;
      const rules = g.policy.doc.spec?.egress ?? [];
      rules.forEach((_rule, i) => {
        // Rule 0 is DNS; rule i > 0 is the i-th destination the pod dials (each one resolved, so each has a rule).
        const d = i === 0 ? undefined : allowed[i - 1];
        const host = d ? d.host : 'DNS';
        // go's dial error names the address it tried first (on a dual-stack pod, either family's). With both
        // families dropped, go's dial to the IPv6 address ends in this lab as "no route to host", after 30 s too.
        const goError = d
          ? new RegExp(`dial tcp (${d.addresses.map((a) => esc(hostPort(a, d.port))).join('|')}): (i/o timeout|connect: connection timed out|connect: no route to host)`)
          : /lookup [a-z.-]+ on [\d.]+:53: .*i\/o timeout/;
        variants.push({ setup: s, without: i, stage: d ? d.stage : 'dns', goError, label: `without the rule for ${host}${d ? `:${d.port}` : ''}` });
      });
    }

    // 3. Each variant in a pod of its own, under the policy as nftables enforces it: go and the probe.
    const pods = await Promise.all(variants.map((v) => lab!.addPod({ families: v.setup.pod ?? 'ipv4' })));
    // Removed rules blackhole a host: go waits out its 30 s dial timeout, so run them side by side.
    await mapConcurrent([...variants.keys()], 8, async (i) => {
      const v = variants[i]!;
      const g = generated.get(v.setup.id)!;
      const doc = structuredClone(g.policy.doc);
      if (v.without !== undefined) doc.spec!.egress = doc.spec!.egress!.filter((_r, j) => j !== v.without);
      const policy: NetworkPolicyFile = { ...g.policy, doc };
      const rules = egressFor([policy], podSelectedBy(policy));
      if (!rules) throw new Error(`${v.setup.id}: the generated policy selects no pod`);
      await lab!.applyPolicy(pods[i]!, rules);
      const env = envOf(v.setup);
      const goDir = lab!.freshDir(`${v.setup.id}-${v.without ?? 'all'}-go`);
      const probeDir = lab!.freshDir(`${v.setup.id}-${v.without ?? 'all'}-probe`);
      const [go, probe] = await Promise.all([
        runGo({ ns: pods[i]!.ns, goBin: suite.pre.goBin, env: goEnv(goDir, env, goBinDir), module: MODULE_AT_VERSION, cwd: goDir }),
        runProbe({ ns: pods[i]!.ns, node: suite.pre.node, cli: suite.pre.cli, env: goEnv(probeDir, env, goBinDir), module: MODULE_AT_VERSION, reportDir: join(probeDir, 'report'), cwd: probeDir }),
      ]);
      outcomes.set(v, { go, probe, rules: rules.allow.length });
    });
  }, 600_000);

  afterAll(async () => {
    const rows = variants.map((v) => {
      const o = outcomes.get(v);
      const f = o?.probe.report?.failure;
      return `| ${v.setup.id.padEnd(12)} | ${v.label.padEnd(40)} | go exit ${String(o?.go.exit ?? '-').padEnd(3)} ${(o?.go.ms ?? 0) > 0 ? `${((o?.go.ms ?? 0) / 1000).toFixed(1)}s` : ''} | probe ${f ? `${f.stage} ${f.cause}` : (o?.probe.report?.verdict ?? '-')} |`;
    });
    if (outcomes.size > 0) console.log(`\nGenerated NetworkPolicy, enforced\n${rows.join('\n')}\n`);
    await lab?.stop({ keepFiles: process.env['GOMODPROBE_E2E_KEEP'] === '1' });
  }, 60_000);

  for (const s of SETUPS) {
    it(`${s.title}: the probe passes unrestricted and writes a policy allowing DNS and ${s.allows.map((r) => r.join(' + ')).join(', ')}`, () => {
      const g = generated.get(s.id);
      expect(g, 'the probe did not run').toBeDefined();
      expect(g!.probe.exit, g!.probe.stderr.slice(0, 500)).toBe(0);
      const rules = g!.policy.doc.spec?.egress ?? [];
      const allowed = rules.slice(1).map((r) => (r.to ?? []).flatMap((p) => (r.ports ?? []).map((port) => hostPort(String(p.ipBlock?.cidr).replace(/\/(32|128)$/, ''), String(port.port)))).sort());
      expect(allowed).toEqual(s.allows.map((r) => [...r].sort()));
      expect(g!.text).toMatch(/resolved at run time and may change/);
    });
  }

  it('enforces each generated policy: real go and the probe pass under it', () => {
    const whole = variants.filter((v) => v.without === undefined);
    expect(whole).toHaveLength(SETUPS.length);
    for (const v of whole) {
      const o = outcomes.get(v)!;
      expect(o.rules, `${v.setup.id}: the policy translated to no rules`).toBeGreaterThan(0);
      expect(o.go.exit, `${v.setup.id}: go under its generated policy: ${o.go.error}`).toBe(0);
      expect(o.probe.exit, `${v.setup.id}: the probe under its generated policy: ${JSON.stringify(o.probe.report?.failure)}`).toBe(0);
    }
  });

  it('removing any one rule makes go fail, and the probe fails at the stage egress[] names for it', () => {
    const reduced = variants.filter((v) => v.without !== undefined);
    // DNS plus each destination of each setup.
    expect(reduced).toHaveLength(SETUPS.reduce((n, s) => n + 1 + s.allows.length, 0));
    const problems: string[] = [];
    for (const v of reduced) {
      const o = outcomes.get(v)!;
      const at = `${v.setup.id} ${v.label}`;
      if (o.go.exit === 0) problems.push(`${at}: go still succeeded`);
      else if (!v.goError!.test(o.go.error)) problems.push(`${at}: go's error does not match ${v.goError}: ${o.go.error.slice(0, 300)}`);
      const f = o.probe.report?.failure;
      if (f?.stage !== v.stage) problems.push(`${at}: the probe failed at ${f?.stage ?? 'nothing'} (${f?.cause ?? o.probe.exit}), egress[] names ${v.stage}`);
    }
    expect(problems).toEqual([]);
  });
});
