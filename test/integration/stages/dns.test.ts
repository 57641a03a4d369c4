// The dns stage end to end: the probe against the lab's cluster DNS, one cause per test, with the
// evidence a user needs (every name tried under ndots:5, every query with its server and rcode).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LabTarget } from '../../../src/lab/target.js';
import { cleanupRuns, LAB_NAMES, probeLab, resetLab, startLab, type ProbeRun, innerGoError } from './harness.js';

let lab: LabTarget;
beforeAll(async () => {
  lab = await startLab();
});
afterEach(() => resetLab(lab));
afterAll(async () => {
  await lab?.close();
  cleanupRuns();
});

/** The k8s ndots:5 expansion of proxy.lab.test (2 dots < 5: the search domains first, the bare name last). */
const EXPANDED = [
  `${LAB_NAMES.proxy}.default.svc.cluster.local.`,
  `${LAB_NAMES.proxy}.svc.cluster.local.`,
  `${LAB_NAMES.proxy}.cluster.local.`,
  `${LAB_NAMES.proxy}.`,
];

interface LookupEvidence {
  origin: string;
  host: string;
  result?: { source: string; addresses: string[]; namesTried: string[]; answeredBy?: string; queries: { name: string; type: string; server: string; rcode?: string; outcome: string }[] };
  error?: { cause: string; goError: string; lookup: { namesTried: string[]; queries: { name: string; type: string; server: string; rcode?: string; outcome: string }[] } };
}

function lookups(run: ProbeRun): LookupEvidence[] {
  return run.stage('dns').evidence['lookups'] as LookupEvidence[];
}

function expectDnsFailure(run: ProbeRun, cause: string): LookupEvidence {
  expect(run.exitCode).toBe(10);
  expect(run.report.verdict).toBe('fail');
  expect(run.report.failure).toMatchObject({ stage: 'dns', cause, target: LAB_NAMES.proxy });
  expect(run.report.failure!.hint).not.toBe('');
  expect(run.report.stages.map((s) => s.stage)).toEqual(['config', 'dns']);
  expect(run.termination).toContain(`FAIL at stage dns: ${cause}`);
  expect(run.termination).toContain(`target: ${LAB_NAMES.proxy}`);
  expect(run.metrics).toMatch(/stage="dns"/);
  const [l] = lookups(run);
  expect(l!.error!.cause).toBe(cause);
  return l!;
}

describe('dns stage', () => {
  it('passes and shows every name tried under ndots:5, in the order go tries them', async () => {
    const run = await probeLab(lab);
    expect(run.exitCode).toBe(0);
    const [l] = lookups(run);
    expect(l!.result!.source).toBe('dns');
    expect(l!.result!.addresses).toEqual(['127.0.0.1']);
    expect(l!.result!.namesTried).toEqual(EXPANDED);
    expect(l!.result!.answeredBy).toBe(`${LAB_NAMES.proxy}.`);
    // A and AAAA for every name, each with the server and rcode seen.
    for (const name of EXPANDED) {
      expect(l!.result!.queries.filter((q) => q.name === name).map((q) => q.type).sort()).toEqual(['A', 'AAAA']);
    }
    expect(l!.result!.queries.find((q) => q.name === EXPANDED[0])).toMatchObject({ server: `127.0.0.1:${lab.dns.port}`, rcode: 'NXDOMAIN' });
    // What went on the wire agrees with the report.
    const wire = [...new Set(lab.dns.queries.filter((q) => q.name.startsWith(LAB_NAMES.proxy)).map((q) => q.name))];
    expect(wire.slice(0, 4)).toEqual(EXPANDED);
  });

  it('nxdomain: names every expanded name and the no-such-host error go prints', async () => {
    lab.dns.set(LAB_NAMES.proxy, { behaviour: 'nxdomain' });
    const run = await probeLab(lab);
    const l = expectDnsFailure(run, 'dns.nxdomain');
    expect(l.error!.lookup.namesTried).toEqual(EXPANDED);
    expect(l.error!.lookup.queries.every((q) => q.rcode === 'NXDOMAIN')).toBe(true);
    expect(innerGoError(run.report.failure!.goError)).toMatch(new RegExp(`dial tcp: lookup ${LAB_NAMES.proxy.replace(/\./g, '\\.')} on 127\\.0\\.0\\.1:\\d+: no such host$`));
  });

  it('nodata: the name exists without A/AAAA records', async () => {
    lab.dns.set(LAB_NAMES.proxy, { behaviour: 'nodata' });
    const run = await probeLab(lab);
    const l = expectDnsFailure(run, 'dns.nodata');
    expect(l.error!.lookup.queries.filter((q) => q.name === `${LAB_NAMES.proxy}.`).map((q) => q.rcode)).toEqual(['NOERROR', 'NOERROR']);
    expect(innerGoError(run.report.failure!.goError)).toContain('no such host');
  });

  it('refused: REFUSED from the server is its own cause, and go calls it server misbehaving', async () => {
    lab.dns.set(LAB_NAMES.proxy, { behaviour: 'refused' });
    const run = await probeLab(lab);
    const l = expectDnsFailure(run, 'dns.refused');
    expect(l.error!.lookup.queries.some((q) => q.rcode === 'REFUSED')).toBe(true);
    expect(innerGoError(run.report.failure!.goError)).toContain('server misbehaving');
  });

  it('servfail: SERVFAIL is its own cause', async () => {
    lab.dns.set(LAB_NAMES.proxy, { behaviour: 'servfail' });
    const run = await probeLab(lab);
    const l = expectDnsFailure(run, 'dns.servfail');
    expect(l.error!.lookup.queries.some((q) => q.rcode === 'SERVFAIL')).toBe(true);
    expect(innerGoError(run.report.failure!.goError)).toContain('server misbehaving');
  });

  it('timeout: a silent server fails the stage within --timeout, not resolv.conf timeout x attempts, and says how long go waits', async () => {
    lab.dns.set(LAB_NAMES.proxy, { behaviour: 'silent' });
    // resolv.conf would let go wait 5 s x 2 attempts for the bare name alone.
    const resolv = `nameserver 127.0.0.1\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5 timeout:5 attempts:2\n`;
    const run = await probeLab(lab, { replaceFiles: { 'resolv.conf': resolv }, timeout: '1s' });
    const l = expectDnsFailure(run, 'dns.timeout');
    expect(l.error!.lookup.namesTried).toEqual(EXPANDED);
    expect(run.report.failure!.goWouldWait).toMatch(/30s/);
    expect(run.report.failure!.hint).toMatch(/UDP and TCP port 53/);
    // Bounded by --timeout 1s (plus scheduling), far below the 10 s resolv.conf allows for one name.
    expect(run.stage('dns').durationMs).toBeLessThan(5000);
  });

  it('no nameserver: resolv.conf without nameserver lines falls back to 127.0.0.1 and ::1 as go does, and nothing answers there', async () => {
    const run = await probeLab(lab, {
      replaceFiles: { 'resolv.conf': 'search cluster.local\noptions ndots:5\n' },
      setFlags: { '--dns-port': String(lab.closedPort) },
    });
    const l = expectDnsFailure(run, 'dns.no_nameserver');
    expect(l.error!.lookup.queries.map((q) => q.server)).toEqual(expect.arrayContaining([`127.0.0.1:${lab.closedPort}`]));
    const config = run.stage('config');
    expect(config.evidence['dns']).toMatchObject({ nameservers: ['127.0.0.1', '::1'] });
    expect(config.findings.some((f) => f.code === 'dns.defaults_used')).toBe(true);
  });

  it('hosts file first (files,dns): a hosts entry wins and the DNS server is never asked', async () => {
    lab.dns.set(LAB_NAMES.proxy, { behaviour: 'nxdomain' });
    const run = await probeLab(lab, { replaceFiles: { hosts: `127.0.0.1 localhost\n127.0.0.1 ${LAB_NAMES.proxy.toUpperCase()}.\n` } });
    expect(run.exitCode).toBe(0);
    const [l] = lookups(run);
    expect(l!.result!.source).toBe('hosts');
    expect(l!.result!.queries).toEqual([]);
    expect(lab.dns.queries.filter((q) => q.name.startsWith(LAB_NAMES.proxy))).toEqual([]);
  });

  it('nsswitch "hosts: files" only: go never asks DNS, so a name missing from hosts fails', async () => {
    const run = await probeLab(lab, { replaceFiles: { 'nsswitch.conf': 'hosts: files\n' } });
    expect(run.exitCode).toBe(10);
    expect(run.report.failure).toMatchObject({ stage: 'dns', cause: 'dns.hosts_only', target: LAB_NAMES.proxy });
    expect(innerGoError(run.report.failure!.goError)).toBe(`dial tcp: lookup ${LAB_NAMES.proxy}: no such host`);
    expect(lab.dns.queries).toEqual([]);
  });

  it('an absolute name (trailing dot) is queried as is, without the search list', async () => {
    const run = await probeLab(lab, { env: { GOPROXY: `https://${LAB_NAMES.proxy}.:${lab.goproxy.port}` } });
    const [l] = lookups(run);
    expect(l!.result?.namesTried ?? l!.error?.lookup.namesTried).toEqual([`${LAB_NAMES.proxy}.`]);
  });
});
