// report.json egress[] and --emit-networkpolicy from real runs against the loopback lab: every destination
// go dials, in go's order, with why, reached or not, always or on a fallback; the policies rendered from
// it validate against the Kubernetes API schemas (NetworkPolicy) and Cilium's CRD shape.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EgressDestination } from '../../../src/egress.js';
import type { LabTarget } from '../../../src/lab/target.js';
import { policyPlan, renderNetworkPolicy } from '../../../src/report/networkpolicy.js';
import { parseYamlObjects, schemaErrors, unknownFields, type K8sObject } from '../../ship/k8s.js';
import { cleanupRuns, LAB_NAMES, probeLab, resetLab, startLab, type ProbeRun } from './harness.js';
import { ciliumShapeErrors } from '../../ship/cilium-shape.js';
import { formatSummary, palette } from '../../../src/report/human.js';
import { parseOptions } from '../../../src/options.js';

let lab: LabTarget;
beforeAll(async () => {
  lab = await startLab({ forwardProxy: true });
});
afterEach(() => resetLab(lab));
afterAll(async () => {
  await lab?.close();
  cleanupRuns();
});

/** "protocol host:port needed reached|failed|not dialed: why; why" per destination, in order. */
function rows(run: ProbeRun): string[] {
  return (run.report.egress ?? []).map((d) => `${d.protocol} ${d.host}:${d.port} ${d.needed} ${d.reached ? 'reached' : d.dialed ? `failed ${d.failure?.cause ?? '?'}` : 'not dialed'}${d.via ? ` via ${d.via}` : ''}: ${d.why.map((w) => w.kind).join(',')}`);
}

const dnsAt = (): string => `127.0.0.1:${lab.dns.port}`;

describe('report.json egress[]', () => {
  it('lists, in go order: the DNS server, the GOPROXY host, the checksum database GOSUMDB names, and the storage host behind the zip redirect', async () => {
    const run = await probeLab(lab);
    expect(run.exitCode).toBe(0);
    expect(rows(run)).toEqual([
      `udp ${dnsAt()} always reached: dns-server`,
      `tcp ${dnsAt()} fallback not dialed: dns-server`,
      `tcp ${LAB_NAMES.proxy}:${lab.goproxy.port} always reached: goproxy`,
      `tcp ${LAB_NAMES.sum}:${sumdbPort()} always reached: sumdb`,
      `tcp ${LAB_NAMES.storage}:${lab.storage.port} always reached: redirect`,
    ]);
    const [, , proxy, sum, storage] = run.report.egress!;
    expect(proxy!.addresses).toEqual(['127.0.0.1']);
    expect(proxy!.why.map((w) => w.text)).toEqual([`GOPROXY entry 1 (https://${LAB_NAMES.proxy}:${lab.goproxy.port})`]);
    expect(proxy!.stage).toBe('tcp');
    expect(sum).toMatchObject({ stage: 'sumdb', addresses: ['127.0.0.1'] });
    expect(storage).toMatchObject({ stage: 'redirect', addresses: ['127.0.0.1'], why: [{ kind: 'redirect', module: 'lab.test/hello@v1.1.0' }] });
    // kubectl logs shows it too: the run's last JSON line carries the same list.
    expect(run.lines.at(-1)).toMatchObject({ event: 'run.finished', egress: run.report.egress });
  });

  it('adds the checksum database to the GOPROXY host when that proxy serves it (GOSUMDB without a URL)', async () => {
    const run = await probeLab(lab, { env: { GOSUMDB: lab.sumdb.verifierKey } });
    expect(run.exitCode).toBe(0);
    expect(rows(run).slice(2)).toEqual([
      `tcp ${LAB_NAMES.proxy}:${lab.goproxy.port} always reached: goproxy,sumdb`,
      `tcp ${LAB_NAMES.storage}:${lab.storage.port} always reached: redirect`,
    ]);
    expect(run.report.egress![2]!.why[1]!.text).toBe(`checksum database ${LAB_NAMES.sum}, through this GOPROXY`);
  });

  it('through HTTPS_PROXY: the egress proxy first, and every origin marked as reached through it, with no addresses of its own', async () => {
    const egress = `${LAB_NAMES.egress}:${lab.forwardProxy!.port}`;
    const run = await probeLab(lab, { env: { HTTPS_PROXY: `http://${egress}` } });
    expect(run.exitCode).toBe(0);
    expect(rows(run)).toEqual([
      `udp ${dnsAt()} always reached: dns-server`,
      `tcp ${dnsAt()} fallback not dialed: dns-server`,
      `tcp ${egress} always reached: egress-proxy`,
      `tcp ${LAB_NAMES.proxy}:${lab.goproxy.port} always reached via ${egress}: goproxy`,
      `tcp ${LAB_NAMES.sum}:${sumdbPort()} always reached via ${egress}: sumdb`,
      `tcp ${LAB_NAMES.storage}:${lab.storage.port} always reached via ${egress}: redirect`,
    ]);
    const proxied = run.report.egress!.filter((d) => d.via);
    expect(proxied.every((d) => d.addresses.length === 0)).toBe(true);
    expect(run.report.egress![2]!.addresses).toEqual(['127.0.0.1']);
  });

  it('marks a later GOPROXY entry as a fallback: dialed after a 404 from the first, never when the first has the module', async () => {
    const second = `https://127.0.0.1:${lab.goproxy.port}`;
    const fellBack = await probeLab(lab, { env: { GOPROXY: `https://${LAB_NAMES.proxy}:${lab.goproxy.port}/nothing-here,${second}` } });
    expect(fellBack.exitCode).toBe(0);
    expect(rows(fellBack)).toContain(`tcp 127.0.0.1:${lab.goproxy.port} fallback reached: goproxy`);

    const unused = `https://127.0.0.1:${lab.closedPort}`;
    const direct = await probeLab(lab, { env: { GOPROXY: `https://${LAB_NAMES.proxy}:${lab.goproxy.port},${unused}` } });
    expect(direct.exitCode).toBe(0);
    expect(rows(direct)).toContain(`tcp 127.0.0.1:${lab.closedPort} fallback not dialed: goproxy`);
    expect(policyPlan(direct.report.egress!).notDialed.map((d) => d.port)).toEqual([lab.closedPort]);
  });

  it('lists the origin `direct` dials after a 404: the go-get discovery host, and a known hosting site itself', async () => {
    const goproxy = `https://${LAB_NAMES.proxy}:${lab.goproxy.port}/nothing-here,direct`;
    const discovery = await probeLab(lab, { env: { GOPROXY: goproxy } });
    expect(discovery.exitCode).toBe(13);
    expect(rows(discovery)).toContain('tcp lab.test:443 fallback failed dns.nxdomain: direct');
    lab.dns.set('github.com', { a: ['127.0.0.1'], ttl: 30 });
    try {
      const known = await probeLab(lab, { env: { GOPROXY: goproxy }, modules: ['github.com/lab/x@v1.0.0'] });
      expect(known.exitCode).toBe(13);
      // go goes straight to the repository at github.com (vcs.go's known hosts): nothing listens on 127.0.0.1:443.
      // The host is go's `direct` origin and git's repository (go runs git ls-remote there): both reasons, still a fallback.
      expect(rows(known)).toContain('tcp github.com:443 fallback failed tcp.refused: direct,git');
      expect(known.report.egress!.find((d) => d.host === 'github.com')).toMatchObject({ addresses: ['127.0.0.1'], stage: 'proxy', why: [{ module: 'github.com/lab/x' }, { module: 'github.com/lab/x' }] });
    } finally {
      lab.dns.set('github.com', { behaviour: 'nxdomain' });
    }
  });

  it('counts the modules behind one redirect host instead of listing each', async () => {
    const run = await probeLab(lab, { modules: ['lab.test/hello@v1.1.0', 'lab.test/hello@v1.0.0'] });
    expect(run.exitCode).toBe(0);
    const storage = run.report.egress!.filter((d) => d.why.some((w) => w.kind === 'redirect'));
    expect(storage).toHaveLength(1);
    expect(storage[0]!.why).toEqual([{ kind: 'redirect', module: 'lab.test/hello@v1.1.0', text: `redirect of lab.test/hello@v1.1.0 from ${LAB_NAMES.proxy}:${lab.goproxy.port} (and 1 more module)` }]);
  });

  it('records a destination go needs but cannot reach, with the cause and the stage that names it', async () => {
    lab.breakAt('redirect');
    const run = await probeLab(lab);
    expect(run.exitCode).toBe(15);
    const storage = run.report.egress!.find((d) => d.why.some((w) => w.kind === 'redirect'));
    expect(storage).toMatchObject({ host: LAB_NAMES.storage, port: lab.closedPort, dialed: true, reached: false, failure: { layer: 'tcp', cause: 'tcp.refused' }, stage: 'redirect' });
  });

  it('is absent when the run stops at config (nothing is known about the network)', async () => {
    const run = await probeLab(lab, { env: { GOPROXY: 'ftp://nope' } });
    expect(run.exitCode).toBe(2);
    expect(run.report.egress).toBeUndefined();
  });

  it('shows in the human summary as one line per destination', async () => {
    const run = await probeLab(lab);
    const out = formatSummary(run.report, { written: [], warnings: [] }, palette(false));
    expect(out).toMatch(new RegExp(`egress\\s+✓ udp\\s+127\\.0\\.0\\.1:${lab.dns.port}\\s+always\\s+DNS server`));
    expect(out).toMatch(new RegExp(`✓ tcp\\s+${LAB_NAMES.storage}:${lab.storage.port}\\s+always\\s+redirect of lab\\.test/hello@v1\\.1\\.0 from ${LAB_NAMES.proxy}:${lab.goproxy.port}\\s+127\\.0\\.0\\.1`));
    expect(out).toMatch(/· tcp .* fallback\s+DNS server over TCP.*not dialed/);
  });
});

function sumdbPort(): number {
  const addr = lab.sumdbServer.address();
  if (addr === null || typeof addr === 'string') throw new Error('sumdb server has no port');
  return addr.port;
}

describe('--emit-networkpolicy', () => {
  const rendered = async (format: 'kubernetes' | 'cilium', env: Record<string, string> = {}): Promise<{ run: ProbeRun; objects: K8sObject[]; text: string }> => {
    const file = `np-${format}.yaml`;
    const run = await probeLab(lab, { env, args: ['--emit-networkpolicy', `{dir}/${file}`, '--emit-networkpolicy-format', format] });
    const text = readFileSync(join(run.dir, file), 'utf8');
    return { run, objects: parseYamlObjects(text), text };
  };

  it('kubernetes: one NetworkPolicy that validates against the API schemas: DNS to kube-dns and the nameserver, then an ipBlock /32 with its port per destination', async () => {
    const { run, objects, text } = await rendered('kubernetes');
    expect(run.exitCode).toBe(0);
    expect(objects).toHaveLength(1);
    const np = objects[0]!;
    expect(await schemaErrors(np)).toBeUndefined();
    expect(unknownFields(np)).toEqual([]);
    const egress = (np['spec'] as { egress: { to: Record<string, unknown>[]; ports: { protocol: string; port: number }[] }[] }).egress;
    expect(egress.map((r) => r.ports.map((p) => `${p.protocol}/${p.port}`).join(' '))).toEqual([`UDP/${lab.dns.port} TCP/${lab.dns.port}`, `TCP/${lab.goproxy.port}`, `TCP/${sumdbPort()}`, `TCP/${lab.storage.port}`]);
    expect(egress[0]!.to).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } },
      { ipBlock: { cidr: '127.0.0.1/32' } },
    ]);
    expect(egress[1]!.to).toEqual([{ ipBlock: { cidr: '127.0.0.1/32' } }]);
    expect(text).toMatch(/resolved at run time and may change/);
    expect(text).toContain(`# ${LAB_NAMES.storage}:${lab.storage.port}: redirect of lab.test/hello@v1.1.0`);
  });

  it('kubernetes, through an egress proxy: only DNS and the proxy, and never its credentials', async () => {
    const { run, objects, text } = await rendered('kubernetes', { HTTPS_PROXY: `http://builder:s3cret-pw@${LAB_NAMES.egress}:${lab.forwardProxy!.port}` });
    expect(run.exitCode).toBe(0);
    expect(text).not.toContain('s3cret-pw');
    expect(JSON.stringify(run.report.egress)).not.toContain('s3cret-pw');
    const np = objects[0]!;
    expect(await schemaErrors(np)).toBeUndefined();
    const egress = (np['spec'] as { egress: { ports: { port: number }[] }[] }).egress;
    expect(egress.map((r) => r.ports.map((p) => p.port))).toEqual([[lab.dns.port, lab.dns.port], [lab.forwardProxy!.port]]);
  });

  it('cilium: a CiliumNetworkPolicy of the CRD shape, with toFQDNs per destination and the DNS rule its FQDN rules need', async () => {
    const { run, objects } = await rendered('cilium');
    expect(run.exitCode).toBe(0);
    expect(objects).toHaveLength(1);
    const cnp = objects[0]!;
    expect(ciliumShapeErrors(cnp)).toEqual([]);
    const egress = (cnp['spec'] as { egress: { toFQDNs?: { matchName: string }[]; toCIDR?: string[]; toPorts: { ports: { port: string }[] }[] }[] }).egress;
    // DNS twice: the kube-dns pods, and resolv.conf's nameserver by address.
    expect(egress[1]!.toCIDR).toEqual(['127.0.0.1/32']);
    expect(egress.slice(2).map((r) => `${r.toFQDNs?.[0]?.matchName}:${r.toPorts[0]!.ports[0]!.port}`)).toEqual([
      `${LAB_NAMES.proxy}:${lab.goproxy.port}`,
      `${LAB_NAMES.sum}:${sumdbPort()}`,
      `${LAB_NAMES.storage}:${lab.storage.port}`,
    ]);
  });

  it('cilium, through an egress proxy: the proxy by name', async () => {
    const { objects } = await rendered('cilium', { HTTPS_PROXY: `http://${LAB_NAMES.egress}:${lab.forwardProxy!.port}` });
    expect(ciliumShapeErrors(objects[0]!)).toEqual([]);
    const egress = (objects[0]!['spec'] as { egress: { toFQDNs?: { matchName: string }[] }[] }).egress;
    expect(egress.slice(2).map((r) => r.toFQDNs?.[0]?.matchName)).toEqual([LAB_NAMES.egress]);
  });

  it('an unwritable policy file is a warning: the verdict and the exit code stay the run\'s; a config failure writes none', async () => {
    const run = await probeLab(lab, { args: ['--emit-networkpolicy', '{dir}/no-such-dir/np.yaml'] });
    expect(run.exitCode).toBe(0);
    expect(run.report.verdict).toBe('pass');
    expect(run.lines.some((l) => l['event'] === 'output.problem' && String(l['warning']).includes('no-such-dir/np.yaml'))).toBe(true);
    const config = await probeLab(lab, { env: { GOPROXY: 'ftp://nope' }, args: ['--emit-networkpolicy', '{dir}/np.yaml'] });
    expect(config.exitCode).toBe(2);
    expect(existsSync(join(config.dir, 'np.yaml'))).toBe(false);
    expect(config.lines.some((l) => l['event'] === 'output.problem' && /np\.yaml: not written: the run ended before any network stage/.test(String(l['warning'])))).toBe(true);
  });

  it('the shape check rejects what Cilium would reject', () => {
    const ok: EgressDestination = { host: 'a.example', port: 443, protocol: 'tcp', addresses: ['192.0.2.1'], why: [{ kind: 'goproxy', text: 'GOPROXY entry 1' }], needed: 'always', dialed: true, reached: true, stage: 'tcp' };
    const report = { tool: { name: 'gomodprobe', version: 't' }, finishedAt: 'now', verdict: 'pass', egress: [ok] } as never;
    const good = parseYamlObjects(renderNetworkPolicy(report, 'cilium'))[0]!;
    expect(ciliumShapeErrors(good)).toEqual([]);
    const spec = good['spec'] as { egress: Record<string, unknown>[] };
    expect(ciliumShapeErrors({ ...good, spec: { ...spec, egress: [{ toFQDNs: [{ matchName: 'bad name!' }] }] } })).not.toEqual([]);
    expect(ciliumShapeErrors({ ...good, spec: { ...spec, egress: [{ toPorts: [{ ports: [{ port: 443, protocol: 'TCP' }] }] }] } })).not.toEqual([]);
    expect(ciliumShapeErrors({ ...good, spec: { ...spec, egress: [{ toFQDN: [] }] } })).not.toEqual([]);
    expect(ciliumShapeErrors({ ...good, apiVersion: 'cilium.io/v1' })).not.toEqual([]);
  });
});

describe('--emit-networkpolicy flags', () => {
  const parse = (argv: string[], env: Record<string, string> = {}) => parseOptions({ argv, env, stdoutIsTTY: false, terminationLogExists: false });

  it('defaults to the kubernetes flavour, takes cilium, and reads GOMODPROBE_EMIT_NETWORKPOLICY*', () => {
    expect(parse(['--emit-networkpolicy', 'np.yaml']).networkPolicy).toEqual({ file: 'np.yaml', format: 'kubernetes' });
    expect(parse(['--emit-networkpolicy=np.yaml', '--emit-networkpolicy-format=cilium']).networkPolicy).toEqual({ file: 'np.yaml', format: 'cilium' });
    expect(parse([], { GOMODPROBE_EMIT_NETWORKPOLICY: '/x/np.yaml', GOMODPROBE_EMIT_NETWORKPOLICY_FORMAT: 'cilium' }).networkPolicy).toEqual({ file: '/x/np.yaml', format: 'cilium' });
    expect(parse([]).networkPolicy).toBeUndefined();
  });

  it('refuses an unknown flavour, and a flavour without a file, in one line', () => {
    expect(() => parse(['--emit-networkpolicy', 'np.yaml', '--emit-networkpolicy-format', 'calico'])).toThrow(/--emit-networkpolicy-format.*"calico" is not kubernetes or cilium/);
    expect(() => parse(['--emit-networkpolicy-format', 'cilium'])).toThrow(/needs --emit-networkpolicy FILE/);
  });
});
