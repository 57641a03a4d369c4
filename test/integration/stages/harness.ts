// Runs the whole probe against a loopback LabTarget, in-process (runProbe with a real reporter writing a
// real report dir) or as the built CLI (node dist/gomodprobe.mjs), and hands back what a user would see:
// the exit code, report.json parsed, the JSON lines on stdout and the termination message.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { InputFiles } from '../../../src/inputfile.js';
import { LAB_MODULE, LAB_NAMES, LabTarget, labPki, type LabTargetOptions } from '../../../src/lab/target.js';
import { parseOptions } from '../../../src/options.js';
import { runProbe } from '../../../src/probe.js';
import { createReporter } from '../../../src/report/reporter.js';
import type { RunReport } from '../../../src/report/types.js';
import { collectSecrets } from '../../../src/secrets.js';
import type { StageName } from '../../../src/causes.js';
import type { StageResult } from '../../../src/stages/outcome.js';

export { LAB_MODULE, LAB_NAMES };

export const REPO = resolve(import.meta.dirname, '../../..');
export const CLI = join(REPO, 'dist/gomodprobe.mjs');

/** One PKI for the whole file (RSA keys are slow): every LabTarget and extra server uses it. */
export { labPki };

export function startLab(opts: Omit<LabTargetOptions, 'pki'> = {}): Promise<LabTarget> {
  return LabTarget.start({ ...opts, pki: labPki() });
}

/** Undo every fault and override a test may have set, so tests in one file do not leak into each other. */
export function resetLab(lab: LabTarget): void {
  lab.reset();
}

export interface RunOptions {
  /** Variables to add or replace; undefined removes one from the lab's environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Flags after the lab's own (a later --module adds to the lab's one). */
  readonly args?: readonly string[];
  /** Replace the value of flags the lab sets (e.g. { '--dns-port': '1' }). */
  readonly setFlags?: Readonly<Record<string, string>>;
  /** Replace the lab's --module flag by these modules (PATH@VERSION); [] drops it. */
  readonly modules?: readonly string[];
  /** Extra files (path relative to the run dir -> contents); `{dir}` in a value is replaced by the run dir. */
  readonly files?: Readonly<Record<string, string>>;
  /** Replace files the lab writes (resolv.conf, hosts, ...), relative to the run dir. */
  readonly replaceFiles?: Readonly<Record<string, string>>;
  /** in-process (default): runProbe with a real reporter; cli: spawn node dist/gomodprobe.mjs. */
  readonly mode?: 'in-process' | 'cli';
  /** Per-operation timeout flag (default 2s: lab answers are instant, failures are refusals). */
  readonly timeout?: string;
  /** cli mode: send this signal once the stage named starts (seen on stdout). */
  readonly signalAt?: { readonly stage: StageName; readonly signal: NodeJS.Signals };
}

export interface ProbeRun {
  readonly exitCode: number;
  readonly report: RunReport;
  /** stdout JSON lines, parsed. */
  readonly lines: Record<string, unknown>[];
  readonly termination: string;
  readonly dir: string;
  readonly metrics: string;
  readonly stderr: string;
  readonly elapsedMs: number;
  /** The result of one stage (throws when the stage did not run). */
  stage(name: StageName): StageResult;
}

const tempDirs: string[] = [];

/** Writes the lab inputs into a fresh temp dir and runs the probe against them. */
export async function probeLab(lab: LabTarget, opts: RunOptions = {}): Promise<ProbeRun> {
  const dir = mkdtempSync(join(tmpdir(), 'gmp-stage-'));
  tempDirs.push(dir);
  const { env, args } = lab.writeInputs(dir, {
    files: { ...opts.replaceFiles, ...opts.files },
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.modules ? { modules: opts.modules } : {}),
  });
  for (const [flag, value] of Object.entries(opts.setFlags ?? {})) {
    const i = args.indexOf(flag);
    if (i < 0) throw new Error(`the lab sets no ${flag}`);
    args[i + 1] = value.replaceAll('{dir}', dir);
  }
  const reportDir = join(dir, 'out');
  const termination = join(dir, 'termination-log');
  args.push('--report-dir', reportDir, '--termination-log', termination, '--format', 'json', '--timeout', opts.timeout ?? '2s');
  args.push(...(opts.args ?? []).map((a) => a.replaceAll('{dir}', dir)));

  const started = performance.now();
  const { exitCode, stdout, stderr } = opts.mode === 'cli' ? await runCli(args, env, opts.signalAt) : await runInProcess(args, env);
  const elapsedMs = performance.now() - started;
  const reportPath = join(reportDir, 'report.json');
  if (!existsSync(reportPath)) throw new Error(`no report.json (exit ${exitCode}); stderr: ${stderr}\nstdout: ${stdout.slice(0, 2000)}`);
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as RunReport;
  const lines = stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    exitCode,
    report,
    lines,
    termination: existsSync(termination) ? readFileSync(termination, 'utf8') : '',
    metrics: readFileSync(join(reportDir, 'metrics.prom'), 'utf8'),
    dir,
    stderr,
    elapsedMs,
    stage(name) {
      const s = report.stages.find((x) => x.stage === name);
      if (!s) throw new Error(`stage ${name} did not run; stages: ${report.stages.map((x) => `${x.stage}:${x.status}`).join(' ')}; failure ${JSON.stringify(report.failure)}`);
      return s;
    },
  };
}

async function runInProcess(argv: string[], env: Record<string, string>): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const options = parseOptions({ argv, env, stdoutIsTTY: false, terminationLogExists: false });
  const inputs = new InputFiles();
  let stdout = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      stdout += chunk.toString('utf8');
      cb();
    },
  });
  const reporter = createReporter({
    format: 'json',
    stdout: sink,
    stdoutIsTTY: false,
    ...(options.reportDir ? { reportDir: options.reportDir } : {}),
    ...(options.terminationLog ? { terminationLog: options.terminationLog } : {}),
    ...(options.networkPolicy ? { networkPolicy: options.networkPolicy } : {}),
    secrets: await collectSecrets(options, inputs),
    level: options.logLevel,
  });
  const report = await runProbe(options, { reporter, version: 'test', interrupt: new AbortController().signal, inputs });
  await reporter.finish(report);
  return { exitCode: report.exitCode, stdout, stderr: '' };
}

function runCli(argv: string[], env: Record<string, string>, signalAt?: RunOptions['signalAt']): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...argv], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
      if (signalAt && !signalled && stdout.includes(`"event":"stage.started","stage":"${signalAt.stage}"`)) {
        signalled = true;
        child.kill(signalAt.signal);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, sig) => resolvePromise({ exitCode: code ?? (sig ? 128 : -1), stdout, stderr }));
  });
}

export function cleanupRuns(): void {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** The stdout line of one stage's verdict. */
export function stageLine(run: ProbeRun, stage: StageName): Record<string, unknown> | undefined {
  return run.lines.find((l) => l['event'] === 'stage.finished' && l['stage'] === stage);
}

/**
 * Stages 1-3 show a layer failure the way go prints it: wrapped in the first request go makes
 * through the hop (`lab.test/hello@v1.1.0: Get "https://.../lab.test/hello/@v/v1.1.0.info": <inner>`).
 * Asserts the wrapping and returns the inner error.
 */
export function innerGoError(goError: string | undefined, module = `${LAB_MODULE}@v1.1.0`): string {
  const [path, version] = module.split('@') as [string, string];
  const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const m = new RegExp(`^${esc(module)}: Get "https?://[^"]+/${esc(path)}/@v/${esc(version)}\\.info": ([\\s\\S]*)$`).exec(goError ?? '');
  if (!m) throw new Error(`goError is not wrapped in go's request text: ${goError}`);
  return m[1]!;
}
