// The tcp stage end to end: refused and dropped connections, and the HTTPS_PROXY path (CONNECT through
// the lab's egress proxy: good, 407, 403, refused, and NO_PROXY taking a host out of it).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LabTarget } from '../../../src/lab/target.js';
import { cleanupRuns, LAB_NAMES, probeLab, resetLab, startLab, type ProbeRun, innerGoError } from './harness.js';

let lab: LabTarget;
beforeAll(async () => {
  lab = await startLab({ forwardProxy: true });
});
afterEach(() => resetLab(lab));
afterAll(async () => {
  await lab?.close();
  cleanupRuns();
});

interface Connection {
  origin: string;
  via: 'direct' | 'proxy';
  attempts?: { address: string; port: number; ok: boolean; cause?: string }[];
  tunnel?: { status: number; authority: string };
  error?: { target: string; cause: string; goError: string; attempts?: { address: string; ok: boolean; cause?: string }[] };
}

const connections = (run: ProbeRun): Connection[] => run.stage('tcp').evidence['connections'] as Connection[];
const proxyAuthority = (): string => `${LAB_NAMES.proxy}:${lab.goproxy.port}`;

function expectTcpFailure(run: ProbeRun, cause: string, target: string | RegExp): void {
  expect(run.exitCode).toBe(11);
  expect(run.report.failure).toMatchObject({ stage: 'tcp', cause });
  if (typeof target === 'string') expect(run.report.failure!.target).toBe(target);
  else expect(run.report.failure!.target).toMatch(target);
  expect(run.report.stages.map((s) => `${s.stage}:${s.status}`)).toEqual(['config:pass', 'dns:pass', 'tcp:fail']);
  expect(run.termination).toContain(`FAIL at stage tcp: ${cause}`);
  expect(run.report.failure!.hint).not.toBe('');
}

/**
 * A port whose SYNs are dropped, on loopback: a listener with backlog 1 in a child process whose event loop
 * is blocked (so nothing is ever accepted), with its accept queue filled. New SYNs then go unanswered,
 * exactly what a NetworkPolicy drop looks like to the client.
 */
async function blackholedPort(): Promise<{ port: number; close: () => void }> {
  const script = `const s=require('net').createServer();s.listen({port:0,host:'127.0.0.1',backlog:1},()=>{process.stdout.write(s.address().port+'\\n');setTimeout(()=>Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0),20)})`;
  const child: ChildProcess = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
  await new Promise((r) => setTimeout(r, 100));
  const fillers: net.Socket[] = [];
  // Fill the accept queue until a connect no longer completes.
  for (let i = 0; i < 8; i++) {
    const s = net.connect(port, '127.0.0.1');
    fillers.push(s);
    s.on('error', () => undefined);
    const connected = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 300);
      s.once('connect', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
    if (!connected) break;
  }
  return {
    port,
    close: () => {
      for (const s of fillers) s.destroy();
      child.kill('SIGKILL');
    },
  };
}

describe('tcp stage, direct', () => {
  it('refused: RST from a closed port, with the attempt and go\'s error', async () => {
    lab.breakAt('tcp');
    const run = await probeLab(lab);
    expectTcpFailure(run, 'tcp.refused', `${LAB_NAMES.proxy}:${lab.closedPort}`);
    expect(innerGoError(run.report.failure!.goError)).toBe(`dial tcp 127.0.0.1:${lab.closedPort}: connect: connection refused`);
    const [c] = connections(run);
    expect(c!.via).toBe('direct');
    expect(c!.error!.attempts).toEqual([expect.objectContaining({ address: '127.0.0.1', ok: false, cause: 'tcp.refused' })]);
  });

  it('timeout: dropped SYNs fail the stage within --timeout and say how long go waits', async () => {
    const hole = await blackholedPort();
    try {
      const run = await probeLab(lab, { env: { GOPROXY: `https://${LAB_NAMES.proxy}:${hole.port}` }, timeout: '1s' });
      expectTcpFailure(run, 'tcp.timeout', `${LAB_NAMES.proxy}:${hole.port}`);
      expect(innerGoError(run.report.failure!.goError)).toBe(`dial tcp 127.0.0.1:${hole.port}: i/o timeout`);
      expect(run.report.failure!.goWouldWait).toMatch(/30s/);
      expect(run.report.failure!.hint).toMatch(/dropped/);
      // Bounded by --timeout 1s, not go's 30 s dial timeout.
      expect(run.stage('tcp').durationMs).toBeLessThan(5000);
    } finally {
      hole.close();
    }
  });

  it('passes with the connect attempt and its latency recorded', async () => {
    const run = await probeLab(lab);
    expect(run.exitCode).toBe(0);
    const [c] = connections(run);
    expect(c).toMatchObject({ origin: `https://${proxyAuthority()}`, via: 'direct' });
    expect(c!.attempts).toEqual([expect.objectContaining({ address: '127.0.0.1', port: lab.goproxy.port, ok: true, latencyMs: expect.any(Number) })]);
  });
});

describe('tcp stage through HTTPS_PROXY (CONNECT)', () => {
  const fp = (): string => lab.forwardProxy!.url();

  it('opens a CONNECT tunnel to the GOPROXY host; the proxy, not the pod, resolves the origin', async () => {
    // The pod cannot resolve the GOPROXY host: through a proxy, go does not need to.
    lab.dns.set(LAB_NAMES.proxy, { behaviour: 'nxdomain' });
    const run = await probeLab(lab, { env: { HTTPS_PROXY: `http://${LAB_NAMES.egress}:${lab.forwardProxy!.port}` } });
    expect(run.exitCode).toBe(0);
    const hop = (run.stage('config').evidence['firstHops'] as { proxy: string; proxyVariable?: string }[])[0]!;
    expect(hop.proxy).toBe(`http://${LAB_NAMES.egress}:${lab.forwardProxy!.port}/`);
    expect(hop.proxyVariable).toBe('HTTPS_PROXY');
    const lookup = (run.stage('dns').evidence['lookups'] as { host: string }[])[0]!;
    expect(lookup.host).toBe(LAB_NAMES.egress);
    const [c] = connections(run);
    expect(c!.via).toBe('proxy');
    expect(c!.tunnel).toMatchObject({ status: 200, authority: proxyAuthority() });
    expect(lab.forwardProxy!.requests).toContain(`CONNECT ${proxyAuthority()}`);
    // Later hosts (checksum database, object store) go through the proxy too.
    expect(lab.forwardProxy!.requests.some((r) => r.startsWith(`CONNECT ${LAB_NAMES.storage}:`))).toBe(true);
  });

  it('407: the proxy wants credentials', async () => {
    lab.forwardProxy!.faults = { auth: { user: 'builder', pass: 's3cret-pw' } };
    const run = await probeLab(lab, { env: { HTTPS_PROXY: fp() } });
    expectTcpFailure(run, 'tcp.proxy_auth_required', new RegExp(`CONNECT ${proxyAuthority().replace(/\./g, '\\.')}$`));
    expect(innerGoError(run.report.failure!.goError)).toBe('Proxy Authentication Required');
    expect(connections(run)[0]!.error!.cause).toBe('tcp.proxy_auth_required');
  });

  it('407 answered: credentials in HTTPS_PROXY are sent, and never printed', async () => {
    lab.forwardProxy!.faults = { auth: { user: 'builder', pass: 's3cret-pw' } };
    const run = await probeLab(lab, { env: { HTTPS_PROXY: lab.forwardProxy!.url('127.0.0.1', 'builder:s3cret-pw') } });
    expect(run.exitCode).toBe(0);
    const everything = JSON.stringify(run.report) + JSON.stringify(run.lines) + run.termination;
    expect(everything).not.toContain('s3cret-pw');
    expect(everything).not.toContain(Buffer.from('builder:s3cret-pw').toString('base64'));
  });

  it('403: the proxy forbids CONNECT to the GOPROXY host', async () => {
    lab.forwardProxy!.faults = { forbid: [LAB_NAMES.proxy] };
    const run = await probeLab(lab, { env: { HTTPS_PROXY: fp() } });
    expectTcpFailure(run, 'tcp.proxy_forbidden', new RegExp(`CONNECT ${proxyAuthority().replace(/\./g, '\\.')}$`));
    expect(innerGoError(run.report.failure!.goError)).toBe('Forbidden');
  });

  it('a dead proxy is proxy_refused, with go\'s proxyconnect prefix', async () => {
    const run = await probeLab(lab, { env: { HTTPS_PROXY: `http://127.0.0.1:${lab.closedPort}` } });
    expectTcpFailure(run, 'tcp.proxy_refused', `127.0.0.1:${lab.closedPort}`);
    expect(innerGoError(run.report.failure!.goError)).toBe(`proxyconnect tcp: dial tcp 127.0.0.1:${lab.closedPort}: connect: connection refused`);
  });

  it('NO_PROXY excluding the hosts: go dials them directly and never touches the (dead) proxy', async () => {
    const run = await probeLab(lab, { env: { HTTPS_PROXY: `http://127.0.0.1:${lab.closedPort}`, NO_PROXY: 'localhost,.lab.test' } });
    expect(run.exitCode).toBe(0);
    const hop = (run.stage('config').evidence['firstHops'] as { proxy: string; noProxyMatch?: string }[])[0]!;
    expect(hop.proxy).toBe('direct');
    expect(hop.noProxyMatch).toBe('.lab.test');
    expect(connections(run)[0]!.via).toBe('direct');
  });

  it('NO_PROXY entries are matched as go matches them: "lab.test" covers subdomains, "roxy.lab.test" does not', async () => {
    const covered = await probeLab(lab, { env: { HTTPS_PROXY: `http://127.0.0.1:${lab.closedPort}`, NO_PROXY: 'lab.test' } });
    expect(covered.exitCode).toBe(0);
    const partial = await probeLab(lab, { env: { HTTPS_PROXY: `http://127.0.0.1:${lab.closedPort}`, NO_PROXY: 'roxy.lab.test' } });
    expectTcpFailure(partial, 'tcp.proxy_refused', `127.0.0.1:${lab.closedPort}`);
  });
});
