// Runs `go mod download -json` and the probe inside a pod namespace with the same environment, each with
// `env -i` (nothing from this process leaks in) and a fresh HOME/GOPATH/GOMODCACHE.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './sh.js';
import { telemetryOff } from './gos.js';

export type Env = Readonly<Record<string, string>>;

export interface GoOutcome {
  /** Exit status of go (124 when `timeout` killed it). */
  readonly exit: number | null;
  readonly ms: number;
  readonly timedOut: boolean;
  /** The objects of `go mod download -json` (a stream of indented objects). */
  readonly downloads: readonly Record<string, unknown>[];
  /** The first line of go's error: the JSON Error field, else stderr's first line. */
  readonly firstError: string;
  /** The whole error text (for the report). */
  readonly error: string;
  readonly stderr: string;
}

export interface ProbeOutcome {
  readonly exit: number | null;
  readonly ms: number;
  readonly timedOut: boolean;
  /** report.json, when the probe wrote one. */
  readonly report: ProbeReport | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ProbeFailure {
  readonly stage: string;
  readonly cause: string;
  readonly target: string;
  readonly detail: string;
  readonly hint: string;
  readonly goError?: string;
}

export interface ProbeReport {
  readonly verdict: string;
  readonly exitCode: number;
  readonly durationMs: number;
  readonly failure?: ProbeFailure;
  readonly stages: readonly { readonly stage: string; readonly status: string; readonly findings: readonly { code: string; message: string }[] }[];
  readonly expect?: { readonly expected: string; readonly firstFailedStage: string | null; readonly met: boolean };
}

/** A fresh Go environment under `dir`: explicit everything, nothing that could reach past the lab. */
export function goEnv(dir: string, lab: Env, goBinDir: string): Record<string, string> {
  const home = join(dir, 'home');
  const gopath = join(dir, 'gopath');
  mkdirSync(home, { recursive: true });
  telemetryOff(join(home, '.config'));
  return {
    PATH: `${goBinDir}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    GOPATH: gopath,
    GOMODCACHE: join(gopath, 'pkg', 'mod'),
    GOCACHE: join(dir, 'gocache'),
    GOENV: 'off',
    GOTOOLCHAIN: 'local',
    GOTELEMETRY: 'off',
    GOFLAGS: '-modcacherw',
    ...lab,
  };
}

function envArgs(env: Env): string[] {
  return ['env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];
}

export interface GoRunOptions {
  readonly ns: string;
  readonly goBin: string;
  readonly env: Env;
  readonly module: string;
  readonly cwd: string;
  /** go's own bound (coreutils timeout); its dial timeout is 30 s, so 90 s is far beyond any give-up. */
  readonly timeoutS?: number;
  /**
   * Bind-mount this directory over /root for go (and the git and ssh it runs), in a private mount
   * namespace without a controlling terminal, as a pod has none: ssh reads the passwd home, not $HOME.
   */
  readonly rootHome?: string;
}

export async function runGo(o: GoRunOptions): Promise<GoOutcome> {
  const t = o.timeoutS ?? 90;
  const asRoot = o.rootHome ? ['setsid', '--wait', 'unshare', '-m', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /root && exec "$@"', o.rootHome] : [];
  const r = await run('ip', ['netns', 'exec', o.ns, ...asRoot, ...envArgs(o.env), 'timeout', '-k', '5', String(t), o.goBin, 'mod', 'download', '-json', o.module], {
    cwd: o.cwd,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    timeoutMs: (t + 15) * 1000,
  });
  // Kept beside the run for whoever reads a failed CI job's artifacts.
  writeFileSync(join(o.cwd, 'go-download.json'), r.stdout);
  writeFileSync(join(o.cwd, 'go-download.stderr'), r.stderr);
  const downloads = parseJsonStream(r.stdout);
  const jsonError = downloads.map((d) => d['Error']).find((e): e is string => typeof e === 'string' && e !== '');
  const stderrError = r.stderr
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('go: downloading'))
    .join('\n');
  const error = jsonError ?? stderrError;
  return {
    exit: r.code,
    ms: r.ms,
    timedOut: r.timedOut || r.code === 124,
    downloads,
    firstError: (error.split('\n')[0] ?? '').replace(/^go: /, ''),
    error,
    stderr: r.stderr,
  };
}

/** `go mod download -json` prints a stream of tab-indented objects; each closes with "}" alone on a line. */
export function parseJsonStream(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let chunk = '';
  for (const line of text.split('\n')) {
    chunk += `${line}\n`;
    if (line === '}') {
      try {
        out.push(JSON.parse(chunk) as Record<string, unknown>);
      } catch {
        // not a whole object yet (a "}" inside a string cannot start a line in go's encoding)
        continue;
      }
      chunk = '';
    }
  }
  return out;
}

export interface ProbeRunOptions {
  readonly ns: string;
  readonly node: string;
  readonly cli: string;
  readonly env: Env;
  readonly module: string;
  readonly reportDir: string;
  readonly cwd: string;
  readonly extraArgs?: readonly string[];
  readonly timeoutS?: number;
}

export async function runProbe(o: ProbeRunOptions): Promise<ProbeOutcome> {
  const t = o.timeoutS ?? 120;
  mkdirSync(o.reportDir, { recursive: true });
  const args = [o.cli, '--module', o.module, '--report-dir', o.reportDir, '--format', 'json', '--termination-log', join(o.reportDir, 'termination-log'), ...(o.extraArgs ?? [])];
  const r = await run('ip', ['netns', 'exec', o.ns, ...envArgs(o.env), 'timeout', '-k', '5', String(t), o.node, ...args], {
    cwd: o.cwd,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    timeoutMs: (t + 15) * 1000,
  });
  writeFileSync(join(o.reportDir, 'stdout.ndjson'), r.stdout);
  writeFileSync(join(o.reportDir, 'stderr.txt'), r.stderr);
  const reportFile = join(o.reportDir, 'report.json');
  let report: ProbeReport | undefined;
  if (existsSync(reportFile)) {
    try {
      report = JSON.parse(readFileSync(reportFile, 'utf8')) as ProbeReport;
    } catch {
      report = undefined;
    }
  }
  return { exit: r.code, ms: r.ms, timedOut: r.timedOut || r.code === 124, report, stdout: r.stdout, stderr: r.stderr };
}
