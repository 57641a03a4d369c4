// --must-block and --junit through the loopback lab target: the normal pipeline must pass while a
// must-block target is checked; a reachable one fails the run with exit 4 and a failing JUnit
// testcase of its own, an unreachable one (refused, or with --must-block-unresolvable-ok a name that
// does not resolve) passes; through HTTPS_PROXY the check goes where go goes: through the egress proxy.

import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_NAMES, LabTarget } from '../../src/lab/target.js';
import { buildBundleLikeTheImage } from './image-plan.js';

let work: string;
let bundle: string;
let lab: LabTarget;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gomodprobe-mustblock-'));
  bundle = buildBundleLikeTheImage(work);
  lab = await LabTarget.start({});
}, 120_000);

afterAll(async () => {
  await lab?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  out: string;
}

async function probe(name: string, extra: string[], target: LabTarget = lab, envExtra: Record<string, string> = {}): Promise<Run> {
  const out = join(work, name);
  const inputs = target.inputs(join(out, 'files'));
  for (const [path, text] of Object.entries(inputs.files)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...Object.fromEntries(Object.entries(inputs.env).filter(([, v]) => v !== '')), ...envExtra };
  const args = [bundle, ...inputs.args, '--report-dir', join(out, 'report'), '--junit', join(out, 'junit.xml'), '--termination-log', join(out, 'termination-log'), ...extra];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, out });
    });
  });
}

const read = (run: Run, file: string): string => readFileSync(join(run.out, file), 'utf8');

/** The <testcase> elements of a JUnit file, with whether each has a <failure>. */
function testcases(xml: string): { classname: string; name: string; failed: boolean; failureType?: string }[] {
  return [...xml.matchAll(/<testcase classname="([^"]+)" name="([^"]+)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)].map((m) => {
    const type = /<failure[^>]* type="([^"]+)"/.exec(m[4] ?? '')?.[1];
    return { classname: m[1]!, name: m[2]!, failed: type !== undefined, ...(type ? { failureType: type } : {}) };
  });
}

describe('--must-block against the lab target', () => {
  it('a reachable target fails the run with exit 4, its own JUnit failure, and says so in the termination message', async () => {
    const proxyPort = Number(new URL(lab.proxyURL).port);
    const target = `${LAB_NAMES.proxy}:${proxyPort}`;
    const run = await probe('reachable', ['--must-block', target]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(4);
    const report = JSON.parse(read(run, 'report/report.json'));
    // The pipeline itself passed: the failure is the egress policy letting too much through.
    expect(report.stages.every((s: { status: string }) => s.status === 'pass')).toBe(true);
    expect(report.exitCode).toBe(4);
    expect(report.mustBlock).toEqual([expect.objectContaining({ target, blocked: false })]);
    const cases = testcases(read(run, 'junit.xml'));
    expect(cases.filter((c) => c.classname === 'gomodprobe.stage').map((c) => c.failed)).toEqual([false, false, false, false, false, false, false]);
    expect(cases.filter((c) => c.classname === 'gomodprobe.must_block')).toEqual([
      { classname: 'gomodprobe.must_block', name: target, failed: true, failureType: 'must_block.reachable' },
    ]);
    expect(read(run, 'junit.xml')).toMatch(/<testsuites [^>]*failures="1"/);
    expect(read(run, 'termination-log')).toContain(`reachable but must be blocked: ${target}`);
    expect(read(run, 'report/metrics.prom')).toContain(`gomodprobe_must_block_blocked{target="${target}"} 0`);
  });

  it('targets that refuse, and with --must-block-unresolvable-ok names that do not resolve, are blocked: exit 0 and passing JUnit testcases', async () => {
    const refused = `${LAB_NAMES.storage}:${lab.closedPort}`;
    const run = await probe('blocked', ['--must-block', refused, '--must-block', 'proxy.golang.org', '--must-block-unresolvable-ok']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(read(run, 'report/report.json'));
    expect(report.verdict).toBe('pass');
    expect(report.mustBlock).toEqual([
      expect.objectContaining({ target: refused, blocked: true, detail: expect.stringContaining('connection refused') }),
      expect.objectContaining({ target: 'proxy.golang.org:443', blocked: true, detail: expect.stringContaining('does not resolve') }),
    ]);
    const cases = testcases(read(run, 'junit.xml'));
    expect(cases.filter((c) => c.classname === 'gomodprobe.must_block').map((c) => [c.name, c.failed])).toEqual([
      [refused, false],
      ['proxy.golang.org:443', false],
    ]);
    expect(read(run, 'junit.xml')).toMatch(/<testsuites [^>]*failures="0"/);
  });

  it('a name that does not resolve is not counted as blocked without --must-block-unresolvable-ok: exit 4, "not tested"', async () => {
    const run = await probe('unresolved', ['--must-block', 'proxy.golang.org', '--junit-suite', 'deny-all-egress']);
    expect(run.code).toBe(4);
    const report = JSON.parse(read(run, 'report/report.json'));
    expect(report.mustBlock).toEqual([
      { target: 'proxy.golang.org:443', blocked: false, unresolved: true, detail: expect.stringContaining('the policy was not tested') },
    ]);
    const xml = read(run, 'junit.xml');
    // The suite and every testcase carry the name given with --junit-suite (the policy under test).
    expect(xml).toMatch(/<testsuite name="deny-all-egress" /);
    const cases = testcases(xml);
    expect(cases.length).toBeGreaterThan(7);
    expect(cases.every((c) => c.classname.startsWith('deny-all-egress.'))).toBe(true);
    expect(cases.find((c) => c.classname === 'deny-all-egress.must_block')).toMatchObject({ failed: true, failureType: 'must_block.unresolved' });
    expect(read(run, 'termination-log')).toContain('proxy.golang.org:443 (does not resolve: not tested)');
  });

  it('through HTTPS_PROXY when go would use it: a tunnel the egress proxy opens is reachable, one it refuses is blocked', async () => {
    const proxied = await LabTarget.start({ forwardProxy: true });
    try {
      const egress = proxied.forwardProxy!;
      const sum = `${LAB_NAMES.sum}:${new URL(proxied.sumdbURL).port}`;
      // proxy.golang.org does not resolve here, but go never resolves it: it asks the egress proxy, which refuses.
      const run = await probe('via-proxy', ['--must-block', sum, '--must-block', 'proxy.golang.org'], proxied, { HTTPS_PROXY: egress.url() });
      expect(run.code).toBe(4);
      const report = JSON.parse(read(run, 'report/report.json'));
      expect(report.mustBlock).toEqual([
        { target: sum, blocked: false, detail: expect.stringMatching(new RegExp(`through http://127\\.0\\.0\\.1:${egress.port}/? \\(HTTPS_PROXY\\) answered CONNECT ${sum.replace(/\./g, '\\.')} with 200`)) },
        { target: 'proxy.golang.org:443', blocked: true, detail: expect.stringContaining('through http://127.0.0.1') },
      ]);
      expect(egress.requests).toEqual(expect.arrayContaining([`CONNECT ${sum}`, 'CONNECT proxy.golang.org:443']));
      // NO_PROXY exempts the target: go then connects directly, and so does the check.
      egress.requests.splice(0);
      const direct = await probe('no-proxy', ['--must-block', sum], proxied, { HTTPS_PROXY: egress.url(), NO_PROXY: LAB_NAMES.sum });
      expect(direct.code).toBe(4);
      expect(JSON.parse(read(direct, 'report/report.json')).mustBlock[0].detail).toMatch(/^TCP connect to 127\.0\.0\.1:\d+ succeeded/);
      expect(egress.requests).not.toContain(`CONNECT ${sum}`);
    } finally {
      await proxied.close();
    }
  });

  it('an IPv6 literal, written [addr]:port as go writes it, is dialed and named with its brackets', async () => {
    const v6 = createServer((s) => s.destroy());
    await new Promise<void>((resolve) => v6.listen({ host: '::1', port: 0, ipv6Only: true }, resolve));
    try {
      const target = `[::1]:${(v6.address() as AddressInfo).port}`;
      const run = await probe('ipv6-literal', ['--must-block', target]);
      expect(run.code).toBe(4);
      const report = JSON.parse(read(run, 'report/report.json'));
      expect(report.mustBlock).toEqual([expect.objectContaining({ target, blocked: false, detail: expect.stringContaining(`TCP connect to ${target} succeeded`) })]);
      expect(read(run, 'termination-log')).toContain(`reachable but must be blocked: ${target}`);
    } finally {
      v6.close();
    }
  });

  it('a reachable must-block target fails the run even when --expect holds', async () => {
    const proxyPort = Number(new URL(lab.proxyURL).port);
    const run = await probe('expect-and-reachable', ['--expect', 'pass', '--must-block', `${LAB_NAMES.proxy}:${proxyPort}`]);
    expect(run.code).toBe(4);
    const cases = testcases(read(run, 'junit.xml'));
    expect(cases.find((c) => c.name === 'expect')).toMatchObject({ classname: 'gomodprobe.run', failed: false });
    expect(cases.find((c) => c.classname === 'gomodprobe.must_block')).toMatchObject({ failed: true });
  });
});
