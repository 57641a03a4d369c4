// The hostile suite's harness: writes the lab inputs into a temp dir, spawns the built bundle the way a pod
// runs it (a fresh process, a clean environment), and collects everything a user would see: the exit code,
// stdout, stderr, every output file, the wall time and the process's peak memory. `expectNamedFailure`
// holds the invariants every hostile case shares: the right stage, exit code and a named cause; within
// budget; every output written and parseable; no crash text; memory bounded.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { LAYER_CAUSES, STAGE_CAUSES, STAGE_EXIT_CODES, type StageName } from '../../src/causes.js';
import { LAB_MODULE, LAB_NAMES, LabTarget, labPki, type LabTargetOptions } from '../../src/lab/target.js';
import type { RunReport } from '../../src/report/types.js';
import { readImagePlan } from '../ship/image-plan.js';

export { LAB_MODULE, LAB_NAMES };

export const REPO = resolve(import.meta.dirname, '../..');
/** The bundle under test: dist/ (built by `npm test`), or another build given by path. */
export const BUNDLE = process.env['GOMODPROBE_BUNDLE'] ?? join(REPO, 'dist/gomodprobe.mjs');
const GNU_TIME = '/usr/bin/time';
/**
 * The flags the image's ENTRYPOINT gives node (V8's memory trade, README "Memory"): the probe's memory
 * is bounded as it ships, not as a bare `node dist/gomodprobe.mjs` runs it.
 */
export const NODE_FLAGS = readImagePlan(REPO).nodeFlags;

/** Generous: the probe starts at ~60 MB; a cap that misses a leak of hundreds of MB is still a leak detector. */
export const PEAK_RSS_CAP_KB = 300 * 1024;

/** One PKI for the whole file (RSA keys are slow): every LabTarget and extra server uses it. */
export { labPki };

export function startLab(opts: Omit<LabTargetOptions, 'pki'> = {}): Promise<LabTarget> {
  return LabTarget.start({ ...opts, pki: labPki() });
}

/** Undo every fault and override a test may have set, so tests in one file do not leak into each other. */
export function resetLab(lab: LabTarget): void {
  lab.reset();
}

export interface SpawnOptions {
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Called with each complete stdout line; may signal the child or close our end of its stdout. */
  readonly onLine?: (line: string, child: RunningProbe) => void;
  /** Give up (and fail the test) after this long: a hang must not hang the suite. */
  readonly killAfterMs?: number;
  /** Run as this user (and group) id instead of root, to see files as an unprivileged pod does. */
  readonly uid?: number;
  /** The bundle to run (default BUNDLE); one `uid` can read. */
  readonly bundle?: string;
}

export interface RunningProbe {
  /** Sends a signal to the node process itself (not to /usr/bin/time in front of it). */
  signal(sig: NodeJS.Signals): void;
  /** Closes our end of the child's stdout: its next write meets EPIPE. */
  closeStdout(): void;
}

export interface SpawnResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
  /** Peak resident set size of the node process in KiB (GNU time's %M, else VmHWM polled). */
  readonly peakRssKb: number;
  readonly killedByHarness: boolean;
}

/** Spawns `node BUNDLE args` with exactly `env` (plus PATH), measuring time and peak memory. */
export function spawnProbe(opts: SpawnOptions): Promise<SpawnResult> {
  const useTime = existsSync(GNU_TIME);
  const scratch = mkdtempSync(join(tmpdir(), 'gmp-hostile-rss-'));
  const rssFile = join(scratch, 'rss');
  if (opts.uid !== undefined) chmodSync(scratch, 0o777);
  const argv = [...NODE_FLAGS, opts.bundle ?? BUNDLE, ...opts.args];
  const spawnOpts = {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
    ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {}),
  };
  const child: ChildProcess = useTime
    ? spawn(GNU_TIME, ['-f', '%M', '-o', rssFile, process.execPath, ...argv], spawnOpts)
    : spawn(process.execPath, argv, spawnOpts);
  const started = performance.now();
  let polledPeak = 0;

  const nodePid = (): number | undefined => {
    if (!useTime) return child.pid;
    try {
      const kids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/);
      return kids[0] ? Number(kids[0]) : undefined;
    } catch {
      return undefined;
    }
  };
  const pollRss = (): void => {
    const pid = nodePid();
    if (pid === undefined) return;
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) polledPeak = Math.max(polledPeak, Number(m[1]));
    } catch {
      // The process is gone.
    }
  };
  const poller = setInterval(pollRss, 50);
  const running: RunningProbe = {
    signal(sig) {
      const pid = nodePid();
      if (pid !== undefined) process.kill(pid, sig);
    },
    closeStdout() {
      child.stdout?.destroy();
    },
  };

  return new Promise((resolvePromise, reject) => {
    let stdout = '';
    let stderr = '';
    let pending = '';
    let killedByHarness = false;
    const killer = setTimeout(() => {
      killedByHarness = true;
      const pid = nodePid();
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
      child.kill('SIGKILL');
    }, opts.killAfterMs ?? 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      const text = d.toString('utf8');
      stdout += text;
      pending += text;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        opts.onLine?.(line, running);
      }
    });
    child.stdout?.on('error', () => undefined);
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(killer);
      clearInterval(poller);
      const elapsedMs = performance.now() - started;
      let peak = polledPeak;
      if (useTime) {
        try {
          // GNU time writes "Command exited with non-zero status N" before the figure.
          const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
          const m = /^(\d+)$/.exec(lines.at(-1) ?? '');
          if (m) peak = Math.max(peak, Number(m[1]));
        } catch {
          // time itself was killed: keep the polled figure.
        }
      }
      rmSync(scratch, { recursive: true, force: true });
      // GNU time reports a child killed by a signal as exit 128+N.
      resolvePromise({ exitCode: code, signal: sig, stdout, stderr, elapsedMs, peakRssKb: peak, killedByHarness });
    });
  });
}

export interface ProbeRunOptions {
  /** Variables to add or replace in the lab's environment; undefined removes one. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Flags added after the lab's own. `{dir}` is replaced by the run dir. */
  readonly args?: readonly string[];
  /** Values for flags the lab or the harness already passes (--resolv-conf, --junit...): replaced in place. */
  readonly setArgs?: Readonly<Record<string, string>>;
  /** Replace the lab's --module by these (PATH@VERSION); [] drops it. */
  readonly modules?: readonly string[];
  /** Files to write or replace, relative to the run dir; `{dir}` in a value is replaced by the run dir. */
  readonly files?: Readonly<Record<string, string>>;
  /** Per-operation timeout (default 1s: every hostile case must end within a few of these). */
  readonly timeout?: string;
  /** Global deadline (default 30s: a hang shows as a run that reaches it, far beyond any case's bound). */
  readonly deadline?: string;
  /** Replace the lab's resolv.conf/hosts/... arguments entirely (DNS cases point at their own server). */
  readonly dnsPort?: number;
  /** Report dir (default <dir>/out); null to pass none. */
  readonly reportDir?: string | null;
  readonly onLine?: SpawnOptions['onLine'];
  readonly killAfterMs?: number;
  /** Run the probe as this uid (the run dir is opened up to it and the bundle copied in). */
  readonly uid?: number;
}

export interface ProbeRun extends SpawnResult {
  readonly dir: string;
  readonly outDir: string | undefined;
  readonly report: RunReport | undefined;
  readonly reportText: string | undefined;
  readonly lines: Record<string, unknown>[];
  readonly termination: string | undefined;
  readonly junit: string | undefined;
  readonly metrics: string | undefined;
  readonly ndjson: string | undefined;
}

const runDirs: string[] = [];

/** Writes the lab's inputs (and the case's own files) into a temp dir and runs the bundle against them. */
export async function probeLab(lab: LabTarget, opts: ProbeRunOptions = {}): Promise<ProbeRun> {
  const dir = mkdtempSync(join(tmpdir(), 'gmp-hostile-'));
  runDirs.push(dir);
  const written = lab.writeInputs(dir, {
    ...(opts.files ? { files: opts.files } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.modules ? { modules: opts.modules } : {}),
  });
  const env = written.env;
  let args = written.args;
  if (opts.dnsPort !== undefined) args[args.indexOf('--dns-port') + 1] = String(opts.dnsPort);
  const outDir = opts.reportDir === null ? undefined : (opts.reportDir ?? join(dir, 'out')).replaceAll('{dir}', dir);
  const termination = join(dir, 'termination-log');
  const junit = join(dir, 'junit.xml');
  args.push('--termination-log', termination, '--junit', junit, '--format', 'json', '--timeout', opts.timeout ?? '1s', '--deadline', opts.deadline ?? '30s');
  if (outDir !== undefined) args.push('--report-dir', outDir);
  for (const [flag, value] of Object.entries(opts.setArgs ?? {})) {
    const i = args.indexOf(flag);
    if (i < 0) throw new Error(`the harness passes no ${flag}`);
    args[i + 1] = value.replaceAll('{dir}', dir);
  }
  args = [...args, ...(opts.args ?? []).map((a) => a.replaceAll('{dir}', dir))];

  let asUser: Pick<SpawnOptions, 'uid' | 'bundle'> = {};
  if (opts.uid !== undefined) {
    // mkdtemp makes the dir 0700 and the bundle may live where another user cannot read it.
    chmodSync(dir, 0o777);
    copyFileSync(BUNDLE, join(dir, 'gomodprobe.mjs'));
    asUser = { uid: opts.uid, bundle: join(dir, 'gomodprobe.mjs') };
  }
  const res = await spawnProbe({ args, env, ...(opts.onLine ? { onLine: opts.onLine } : {}), killAfterMs: opts.killAfterMs ?? 60_000, ...asUser });
  const read = (path: string | undefined): string | undefined => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  };
  const reportText = read(outDir && join(outDir, 'report.json'));
  if (process.env['HOSTILE_DEBUG']) {
    process.stderr.write(`[hostile] exit=${res.exitCode} ms=${Math.round(res.elapsedMs)} rssKb=${res.peakRssKb} failure=${reportText ? JSON.stringify((JSON.parse(reportText) as RunReport).failure) : '-'}\nstderr=${res.stderr.slice(0, 500)}\n`);
  }
  const lines: Record<string, unknown>[] = [];
  for (const l of res.stdout.split('\n')) {
    if (l.trim() === '') continue;
    try {
      lines.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      // A line cut by a closed stdout; the case decides whether that matters.
    }
  }
  return {
    ...res,
    dir,
    outDir,
    reportText,
    report: reportText === undefined ? undefined : (JSON.parse(reportText) as RunReport),
    lines,
    termination: read(termination),
    junit: read(junit),
    metrics: read(outDir && join(outDir, 'metrics.prom')),
    ndjson: read(outDir && join(outDir, 'gomodprobe.ndjson')),
  };
}

export function cleanupRuns(): void {
  for (const d of runDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

const KNOWN_CAUSES = new Set<string>([...Object.keys(LAYER_CAUSES), ...Object.keys(STAGE_CAUSES)]);

/** A cause code the project defines: a layer cause, a stage cause, or a layer cause prefixed by the stage. */
export function isNamedCause(cause: string): boolean {
  if (KNOWN_CAUSES.has(cause)) return true;
  const m = /^(proxy|sumdb|redirect)\.(.+)$/.exec(cause);
  return m !== null && m[2]!.includes('.') && KNOWN_CAUSES.has(m[2]!);
}

export interface Expected {
  readonly stage: StageName;
  /** The exact cause, or a pattern, or a list of acceptable causes. */
  readonly cause: string | RegExp | readonly string[];
  /** Wall-time bound in ms (a hang detector with room for a loaded machine, not a benchmark). */
  readonly withinMs: number;
}

/** The invariants of a hostile case that ends in a failure. */
export function expectNamedFailure(run: ProbeRun, want: Expected): void {
  expectNoCrash(run);
  const failure = run.report?.failure;
  expect(failure, `no failure in report.json; stderr: ${run.stderr}`).toBeDefined();
  expect(failure!.stage).toBe(want.stage);
  expect(run.exitCode).toBe(STAGE_EXIT_CODES[want.stage]);
  expect(run.report!.exitCode).toBe(run.exitCode);
  const cause = failure!.cause;
  expect(isNamedCause(cause), `cause "${cause}" is not a defined cause code`).toBe(true);
  if (typeof want.cause === 'string') expect(cause).toBe(want.cause);
  else if (want.cause instanceof RegExp) expect(cause).toMatch(want.cause);
  else expect(want.cause).toContain(cause);
  expect(failure!.detail.length).toBeGreaterThan(0);
  expect(failure!.hint.length).toBeGreaterThan(0);
  expectWithin(run, want.withinMs);
  expectOutputs(run);
  expect(run.termination ?? '').toContain(want.stage);
  expect(run.termination ?? '').toContain(cause);
}

/** The invariants of a hostile case that go survives: the run passes (exit 0) and every output is written. */
export function expectPass(run: ProbeRun, withinMs: number): void {
  expectNoCrash(run);
  expect(run.report?.failure, `unexpected failure: ${JSON.stringify(run.report?.failure)}`).toBeUndefined();
  expect(run.exitCode).toBe(0);
  expect(run.report!.verdict).toBe('pass');
  expectWithin(run, withinMs);
  expectOutputs(run);
}

export function expectNoCrash(run: ProbeRun): void {
  expect(run.killedByHarness, 'the probe hung and was killed by the harness').toBe(false);
  expect(run.signal).toBeNull();
  expect(run.exitCode).not.toBe(1);
  expect(run.stderr).not.toMatch(/internal error/i);
  // A stack trace has "    at fn (file:line:col)" lines.
  expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  // report.error is also how an interrupting signal is reported (code "interrupted"): not a crash.
  expect(run.report?.error?.code, `internal error: ${JSON.stringify(run.report?.error)}`).not.toBe('internal');
  expect(run.peakRssKb, 'peak RSS was not measured').toBeGreaterThan(0);
  expect(run.peakRssKb).toBeLessThan(PEAK_RSS_CAP_KB);
}

export function expectWithin(run: ProbeRun, withinMs: number): void {
  expect(run.elapsedMs, `the run took ${Math.round(run.elapsedMs)} ms`).toBeLessThan(withinMs);
}

/** report.json, metrics.prom, the ndjson log, the JUnit file and the termination message all exist and parse. */
export function expectOutputs(run: ProbeRun): void {
  expect(run.reportText, 'report.json was not written').toBeDefined();
  expect(run.reportText!.endsWith('}\n')).toBe(true);
  expect(run.report!.schema).toBe('gomodprobe.report/v1');
  expect(run.metrics ?? '').toMatch(/^gomodprobe_\w+/m);
  const ndjson = (run.ndjson ?? '').split('\n').filter((l) => l !== '');
  expect(ndjson.length).toBeGreaterThan(0);
  for (const l of ndjson) expect(() => JSON.parse(l)).not.toThrow();
  expect(ndjson.some((l) => l.includes('"event":"run.finished"'))).toBe(true);
  expect(run.junit ?? '').toMatch(/^<\?xml[^>]*>\s*<testsuites/);
  expect((run.termination ?? '').length).toBeGreaterThan(0);
  // stdout carries the same verdict line as the log file.
  expect(run.lines.some((l) => l['event'] === 'run.finished' && l['exitCode'] === run.exitCode)).toBe(true);
}

/** Budget of a case in ms: `ops` network operations of `timeoutMs` each, plus process start and reporting. */
export function budget(ops: number, timeoutMs = 1000): number {
  return 4 * ops * timeoutMs + 4000;
}
