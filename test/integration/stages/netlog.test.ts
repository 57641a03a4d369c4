// --log-level debug shows each network operation of the run (#11 item 1): every DNS query and lookup,
// connect, TLS handshake and HTTP request, with its target, outcome and milliseconds, through the logger
// of the stage that made it (or the pipeline's prefetcher); at info level none of them. Credentials in a
// GOPROXY URL never reach a line.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LabTarget } from '../../../src/lab/target.js';
import { cleanupRuns, probeLab, resetLab, startLab, type ProbeRun } from './harness.js';

let lab: LabTarget;

beforeAll(async () => {
  lab = await startLab();
});
afterEach(() => resetLab(lab));
afterAll(async () => {
  await lab?.close();
  cleanupRuns();
});

interface OpLine {
  event: string;
  level: string;
  op: 'dns' | 'connect' | 'tls' | 'http';
  target: string;
  outcome: string;
  ms: number;
  stage?: string;
  work?: string;
  query?: boolean;
}

const opLines = (run: ProbeRun): OpLine[] => run.lines.filter((l) => l['event'] === 'net.op') as unknown as OpLine[];

describe('network operations in the log', () => {
  it('debug: one line per operation, each with its target, outcome and ms, bound to the stage or work that made it', async () => {
    const run = await probeLab(lab, { args: ['--log-level', 'debug'] });
    expect(run.exitCode).toBe(0);
    const ops = opLines(run);
    for (const l of ops) {
      expect(l.level).toBe('debug');
      expect(l.target).not.toBe('');
      expect(typeof l.outcome).toBe('string');
      expect(l.ms).toBeGreaterThanOrEqual(0);
      expect(l.stage ?? l.work, JSON.stringify(l)).toBeDefined();
    }
    // Each HTTP request report.json records is one http line, with the same status.
    const http = ops.filter((l) => l.op === 'http');
    const requests = run.report.requests ?? [];
    expect(requests.length).toBeGreaterThan(0);
    expect(http.map((l) => `${l.target.replace(/^GET /, '')} ${l.outcome}`).sort()).toEqual(requests.map((r) => `${r.url} ${r.status ?? r.error}`).sort());
    // The first hop's lookup, connect and handshake are the dns, tcp and tls stages' own.
    const proxyHost = new URL(lab.proxyURL).hostname;
    expect(ops.find((l) => l.op === 'dns' && !l.query && l.target === proxyHost)).toMatchObject({ stage: 'dns', outcome: 'ok' });
    // Each query of it (the search list may add names that answer NXDOMAIN first), the one that answered among them.
    const queries = ops.filter((l) => l.op === 'dns' && l.query && l.stage === 'dns');
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.some((l) => l.target.startsWith(`${proxyHost}. `) && l.outcome === 'NOERROR'), JSON.stringify(queries)).toBe(true);
    expect(ops.find((l) => l.op === 'connect' && l.stage === 'tcp')?.outcome).toBe('ok');
    expect(ops.find((l) => l.op === 'tls' && l.stage === 'tls')?.outcome).toBe('ok');
    // The zip and its redirect to storage are fetched ahead of their stage by the pipeline's prefetcher.
    expect(http.some((l) => l.work === 'prefetch' && l.target.endsWith('.zip'))).toBe(true);
    // Every new connection made for a request shows its layers: the storage host's among them.
    const storage = [...new Set(ops.filter((l) => l.op === 'tls').map((l) => l.target))];
    expect(storage.length).toBeGreaterThanOrEqual(2);
  });

  it('info: the same run prints none of them', async () => {
    const run = await probeLab(lab);
    expect(run.exitCode).toBe(0);
    expect(opLines(run)).toEqual([]);
    expect(run.lines.every((l) => l['level'] !== 'debug')).toBe(true);
  });

  it('a failing operation logs its cause as the outcome', async () => {
    lab.breakAt('tcp');
    const run = await probeLab(lab, { args: ['--log-level', 'debug'] });
    expect(run.exitCode).toBe(11);
    const connect = opLines(run).filter((l) => l.op === 'connect' && l.stage === 'tcp');
    expect(connect.map((l) => l.outcome)).toContain('tcp.refused');
  });

  it('a GOPROXY URL with a password: no line carries it', async () => {
    const url = new URL(lab.proxyURL);
    url.username = 'builder';
    url.password = 'pr0xy-s3cret-pass';
    const run = await probeLab(lab, { args: ['--log-level', 'debug'], env: { GOPROXY: url.href } });
    const ops = opLines(run);
    expect(ops.filter((l) => l.op === 'http').length).toBeGreaterThan(0);
    const all = run.lines.map((l) => JSON.stringify(l)).join('\n');
    expect(all).not.toContain('pr0xy-s3cret-pass');
  });
});
