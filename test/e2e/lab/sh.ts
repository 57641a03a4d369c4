// Running the lab's commands: every call bounded in time and output, never through a shell string.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly timedOut: boolean;
}

export interface RunOptions {
  readonly timeoutMs?: number;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly input?: string;
  /** Cap on the captured stdout and stderr, each. */
  readonly maxOutput?: number;
}

const DEFAULT_TIMEOUT = 20_000;

/** The lab's tools live in /usr/sbin (ip, nft, dnsmasq, nginx), which a non-login PATH may lack. */
export function labEnv(): NodeJS.ProcessEnv {
  const path = process.env['PATH'] ?? '/usr/bin:/bin';
  return { ...process.env, PATH: `${path}:/usr/sbin:/sbin:/usr/bin:/bin` };
}
const DEFAULT_MAX_OUTPUT = 4 * 1024 * 1024;

export async function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const max = opts.maxOutput ?? DEFAULT_MAX_OUTPUT;
  return new Promise((resolve) => {
    const child = spawn(cmd, [...args], {
      cwd: opts.cwd,
      env: opts.env ? { ...opts.env } : labEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < max) stdout += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < max) stderr += d.toString('utf8');
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? DEFAULT_TIMEOUT);
    child.on('error', (err) => {
      stderr += `spawn ${cmd}: ${err.message}`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Math.round(performance.now() - started), timedOut });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

export class CommandError extends Error {
  readonly code = 'e2e.command_failed';
}

/** Runs a command that must succeed; the error names the command and its stderr. */
export async function runOk(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new CommandError(`${cmd} ${args.join(' ')} -> ${r.timedOut ? 'timed out' : `exit ${r.code ?? r.signal}`}: ${r.stderr.trim().slice(0, 2000)}`);
  }
  return r;
}

/** For exit hooks, where nothing asynchronous runs any more. */
export function runSyncQuiet(cmd: string, args: readonly string[]): number | null {
  const r = spawnSync(cmd, [...args], { stdio: 'ignore', timeout: 10_000, env: labEnv() });
  return r.status;
}

/** A long-running server process with its output kept (bounded) for the failure message. */
export class ServerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  output = '';
  exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(name: string, cmd: string, args: readonly string[]) {
    this.name = name;
    this.child = spawn(cmd, [...args], { stdio: ['ignore', 'pipe', 'pipe'], env: labEnv() });
    const keep = (d: Buffer): void => {
      if (this.output.length < 256 * 1024) this.output += d.toString('utf8');
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.child.on('error', (err) => {
      this.output += `spawn ${cmd}: ${err.message}\n`;
      this.exited = { code: null, signal: null };
    });
    this.child.on('exit', (code, signal) => {
      this.exited = { code, signal };
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async stop(): Promise<void> {
    if (this.exited || this.child.pid === undefined) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    clearTimeout(timer);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
