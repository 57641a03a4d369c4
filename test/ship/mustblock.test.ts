// --must-block and --junit through the loopback lab target: the normal pipeline must pass while a
// must-block target is checked; a reachable one fails the run with exit 4 and a failing JUnit
// testcase of its own, an unreachable one (refused, or a name that does not resolve) passes.

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

async function probe(name: string, extra: string[]): Promise<Run> {
  const out = join(work, name);
  const inputs = lab.inputs(join(out, 'files'));
  for (const [path, text] of Object.entries(inputs.files)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...Object.fromEntries(Object.entries(inputs.env).filter(([, v]) => v !== '')) };
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

  it('targets that refuse or do not resolve are blocked: the run passes with exit 0 and passing JUnit testcases', async () => {
    const refused = `${LAB_NAMES.storage}:${lab.closedPort}`;
    const run = await probe('blocked', ['--must-block', refused, '--must-block', 'proxy.golang.org']);
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
