// The output side under stress: a report dir on a full file system, read-only, or a path that is a file;
// stdout closed by its reader; SIGTERM/SIGINT in the middle of a stage. The verdict must survive all of it:
// the exit code still names the failing stage, stdout (while it is open) still carries the verdict, and
// no file is left half-written as if complete (report.json is whole and valid, or absent).

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LabTarget } from '../../src/lab/target.js';
import { budget, cleanupRuns, expectNoCrash, LAB_NAMES, probeLab, resetLab, startLab, type ProbeRun } from './harness.js';
import { TcpPeer } from './peers.js';

let lab: LabTarget;
let scratch: string;
const mounts: string[] = [];
let silent: TcpPeer;

beforeAll(async () => {
  lab = await startLab();
  scratch = mkdtempSync(join(tmpdir(), 'gmp-hostile-out-'));
  silent = await TcpPeer.start(() => undefined);
});

afterAll(async () => {
  for (const m of mounts.splice(0)) execFileSync('umount', [m]);
  await silent.close();
  await lab.close();
  rmSync(scratch, { recursive: true, force: true });
  cleanupRuns();
});

beforeEach(() => resetLab(lab));

/** A tmpfs of `sizeKb` at a fresh dir (we are root in the test machine), unmounted in afterAll. */
function tmpfs(sizeKb: number, opts: { fillKb?: number; readOnly?: boolean } = {}): string {
  const dir = mkdtempSync(join(scratch, 'mnt-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0755`, 'tmpfs', dir]);
  mounts.push(dir);
  mkdirSync(join(dir, 'out'));
  if (opts.fillKb) writeFileSync(join(dir, 'filler'), Buffer.alloc(opts.fillKb * 1024));
  if (opts.readOnly) execFileSync('mount', ['-o', 'remount,ro', dir]);
  return join(dir, 'out');
}

/** The verdict survived: exit code of the stage, stdout's verdict line, the termination message (outside the dir). */
function expectVerdictSurvived(r: ProbeRun, exitCode: number, stage: string): void {
  expectNoCrash(r);
  expect(r.exitCode).toBe(exitCode);
  const finished = r.lines.find((l) => l['event'] === 'run.finished');
  expect(finished?.['exitCode']).toBe(exitCode);
  expect((finished?.['failure'] as { stage?: string } | undefined)?.stage).toBe(stage);
  expect(r.termination).toContain(`stage ${stage}`);
}

/** Whatever is in the dir is either absent or whole: report.json parses, no temp file is left behind. */
function expectNothingHalfWritten(dir: string): void {
  const names = readdirSync(dir);
  expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
  if (names.includes('report.json')) expect(() => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).not.toThrow();
  if (names.includes('gomodprobe.ndjson')) {
    const text = readFileSync(join(dir, 'gomodprobe.ndjson'), 'utf8');
    // A log may stop early, but never in the middle of a line.
    expect(text === '' || text.endsWith('\n')).toBe(true);
    for (const l of text.split('\n').filter((x) => x !== '')) expect(() => JSON.parse(l)).not.toThrow();
  }
}

const outputProblems = (r: ProbeRun): string[] =>
  r.lines.filter((l) => l['event'] === 'output.problem').map((l) => String(l['warning']));

describe('the report dir cannot take the files', () => {
  it('a full file system (a 16 KB tmpfs with 4 KB free): no half-written file, the verdict intact', async () => {
    lab.breakAt('tcp');
    const out = tmpfs(16, { fillKb: 12 });
    const r = await probeLab(lab, { reportDir: out });
    expectVerdictSurvived(r, 11, 'tcp');
    expectNothingHalfWritten(out);
    expect(outputProblems(r).join('\n')).toMatch(/no space left on the device|ENOSPC/);
    expect(r.elapsedMs).toBeLessThan(budget(2));
  });

  it('a read-only file system', async () => {
    lab.breakAt('tcp');
    const out = tmpfs(64, { readOnly: true });
    const r = await probeLab(lab, { reportDir: out });
    expectVerdictSurvived(r, 11, 'tcp');
    expect(readdirSync(out)).toEqual([]);
    expect(outputProblems(r).join('\n')).toMatch(/read-only|EROFS/);
  });

  it('a report dir path that is a file', async () => {
    lab.breakAt('tcp');
    const file = join(scratch, 'a-file');
    writeFileSync(file, 'not a directory\n');
    const r = await probeLab(lab, { reportDir: file });
    expectVerdictSurvived(r, 11, 'tcp');
    expect(readFileSync(file, 'utf8')).toBe('not a directory\n');
    expect(outputProblems(r).join('\n')).toMatch(/not a directory/);
  });

  it('a report dir under a path that is a file', async () => {
    lab.breakAt('tcp');
    const file = join(scratch, 'another-file');
    writeFileSync(file, 'x');
    const r = await probeLab(lab, { reportDir: join(file, 'out') });
    expectVerdictSurvived(r, 11, 'tcp');
    expect(outputProblems(r).join('\n')).toMatch(/a file, not a directory|ENOTDIR/);
  });
});

describe('the termination log and the JUnit file cannot be written', () => {
  it('a termination log on a full device (/dev/full) and a JUnit path that is a directory: warnings, the verdict intact', async () => {
    lab.breakAt('tcp');
    const r = await probeLab(lab, { setArgs: { '--termination-log': '/dev/full', '--junit': scratch } });
    expectNoCrash(r);
    expect(r.exitCode).toBe(11);
    expect(r.report!.failure!.stage).toBe('tcp');
    expect(r.report!.exitCode).toBe(11);
    const problems = outputProblems(r).join('\n');
    expect(problems).toMatch(/\/dev\/full: (no space left on the device|ENOSPC)/);
    expect(problems).toContain(`${scratch}: the path is a directory`);
    expectNothingHalfWritten(r.outDir!);
  });
});

describe('stdout and signals', () => {
  it('--format pretty without a terminal (kubectl logs): what the run checks, then each stage once', async () => {
    const r = await probeLab(lab, { setArgs: { '--format': 'pretty' } });
    expect(r.exitCode).toBe(0);
    const text = r.stdout;
    expect(text).toContain(`  GOPROXY=${lab.proxyURL}`);
    for (const stage of ['config', 'dns', 'tcp', 'tls', 'proxy', 'sumdb', 'redirect']) {
      expect(text.split('\n').filter((l) => new RegExp(`^. ${stage}\\b`).test(l)), stage).toHaveLength(1);
    }
    expect(text).not.toMatch(/\r|\x1b/);
  });

  it('stdout closed by its reader after the first line (EPIPE): the run finishes, the files are whole', async () => {
    lab.breakAt('tcp');
    let closed = false;
    const r = await probeLab(lab, {
      onLine: (_line, child) => {
        if (!closed) {
          closed = true;
          child.closeStdout();
        }
      },
    });
    expect(closed).toBe(true);
    expectNoCrash(r);
    expect(r.exitCode).toBe(11);
    expect(r.report!.failure!.stage).toBe('tcp');
    expect(r.report!.exitCode).toBe(11);
    expectNothingHalfWritten(r.outDir!);
    expect(r.ndjson).toContain('"event":"run.finished"');
  });

  for (const [signal, stage, exitCode] of [['SIGTERM', 'tls', 143], ['SIGINT', 'tls', 130]] as const) {
    it(`${signal} in the middle of the ${stage} stage: exit ${exitCode} (128+signal), verdict error, report.json is whole`, async () => {
      let sent = false;
      const r = await probeLab(lab, {
        env: { GOPROXY: `https://${LAB_NAMES.proxy}:${silent.port}` },
        // Long enough that only the signal can end the stage.
        timeout: '20s',
        onLine: (line, child) => {
          if (!sent && line.includes('"event":"stage.started"') && line.includes(`"stage":"${stage}"`)) {
            sent = true;
            setTimeout(() => child.signal(signal), 200);
          }
        },
      });
      expect(sent).toBe(true);
      expectNoCrash(r);
      expect(r.exitCode).toBe(exitCode);
      expect(r.report!.failure).toMatchObject({ stage, cause: 'interrupted' });
      expect(r.report).toMatchObject({ exitCode, verdict: 'error', reason: 'interrupted', error: { code: 'interrupted', message: `received ${signal}` } });
      expect(r.termination).toContain(`stage ${stage}`);
      expect(r.termination!.split('\n')[0]).toMatch(new RegExp(`^gomodprobe: ERROR: interrupted \\(received ${signal}\\).*\\(exit ${exitCode}\\)$`));
      expect(r.junit).toContain(`<property name="exitCode" value="${exitCode}"/>`);
      expect(r.metrics).toContain(`gomodprobe_exit_code ${exitCode}`);
      expectNothingHalfWritten(r.outDir!);
      expect(r.elapsedMs).toBeLessThan(8000);
    });
  }

  it('SIGTERM while a DNS lookup waits for a silent server: exit 143', async () => {
    lab.dns.set(LAB_NAMES.proxy, { behaviour: 'silent' });
    let sent = false;
    const r = await probeLab(lab, {
      timeout: '20s',
      files: { 'resolv.conf': `nameserver ${lab.dns.host}\noptions timeout:30 attempts:5\n` },
      onLine: (line, child) => {
        if (!sent && line.includes('"event":"stage.started"') && line.includes('"stage":"dns"')) {
          sent = true;
          setTimeout(() => child.signal('SIGTERM'), 200);
        }
      },
    });
    expectNoCrash(r);
    expect(r.exitCode).toBe(143);
    expect(r.report).toMatchObject({ verdict: 'error', exitCode: 143 });
    expect(r.report!.failure).toMatchObject({ stage: 'dns', cause: 'interrupted' });
    expectNothingHalfWritten(r.outDir!);
    expect(r.elapsedMs).toBeLessThan(8000);
  });
});
