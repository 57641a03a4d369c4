// The three things the bench times in the same pod with the same Go environment: the probe, `go mod
// download -json` with an empty module cache, and the shell checks people run from a netshoot or busybox
// pod (dig, openssl s_client -showcerts, curl) for each hop the probe checks.

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goEnv, type ProbeReport } from '../test/e2e/lab/runners.js';
import { measure, type Env, type Measured } from './exec.js';

export interface Subjects {
  readonly python: string;
  readonly node: string;
  /** The flags the image's ENTRYPOINT gives node (V8's memory trade): the probe is measured as it ships. */
  readonly nodeFlags: readonly string[];
  /** The bundle (a private copy: others may rebuild dist/ while the bench runs). */
  readonly cli: string;
  readonly goBin: string;
  /** Where each run gets its fresh HOME, GOPATH, module cache and report directory. */
  readonly workDir: string;
  /** Write a V8 CPU profile of each probe run into its report directory (bench --cpu-prof). */
  readonly cpuProf?: boolean;
}

export interface ProbeRun extends Measured {
  readonly report: FullReport | undefined;
}

/** report.json as the bench reads it: the e2e shape plus each stage's evidence. */
export interface FullReport extends ProbeReport {
  readonly stages: readonly (ProbeReport['stages'][number] & { readonly evidence: Record<string, unknown>; readonly durationMs: number })[];
  /** Per-phase timing per origin (src/report/types.ts HopTimes). */
  readonly hops?: readonly { readonly origin: string; readonly dnsMs?: number }[];
}

/** A new, empty directory for one run (go keeps a checksum database tree note in GOPATH: never reuse one). */
export function freshDir(s: Subjects, name: string): string {
  const d = mkdtempSync(join(s.workDir, `${name}-`));
  chmodSync(d, 0o755);
  return d;
}

export async function runProbe(s: Subjects, o: { ns: string; labEnv: Env; args: readonly string[]; timeoutS: number }): Promise<ProbeRun> {
  const dir = freshDir(s, 'probe');
  const reportDir = join(dir, 'report');
  mkdirSync(reportDir, { recursive: true });
  const env = goEnv(dir, o.labEnv, s.goBin.replace(/\/go$/, ''));
  const m = await measure({
    python: s.python,
    ns: o.ns,
    env,
    cwd: dir,
    timeoutS: o.timeoutS,
    cmd: [s.node, ...s.nodeFlags, ...(s.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${reportDir}`] : []), s.cli, '--report-dir', reportDir, '--format', 'json', '--termination-log', join(reportDir, 'termination-log'), ...o.args],
  });
  writeFileSync(join(reportDir, 'stdout.ndjson'), m.stdout);
  const file = join(reportDir, 'report.json');
  let report: FullReport | undefined;
  if (existsSync(file)) {
    try {
      report = JSON.parse(readFileSync(file, 'utf8')) as FullReport;
    } catch {
      report = undefined;
    }
  }
  return { ...m, report };
}

export async function runGo(s: Subjects, o: { ns: string; labEnv: Env; module: string; timeoutS: number }): Promise<Measured> {
  const dir = freshDir(s, 'go');
  const env = goEnv(dir, o.labEnv, s.goBin.replace(/\/go$/, ''));
  return measure({ python: s.python, ns: o.ns, env, cwd: dir, timeoutS: o.timeoutS, cmd: [s.goBin, 'mod', 'download', '-json', o.module] });
}

/** `go mod download` of every module of the go.mod in `dir` (go's own parallelism), empty module cache. */
export async function runGoModDownload(s: Subjects, o: { ns: string; labEnv: Env; dir: string; timeoutS: number }): Promise<Measured> {
  const env = goEnv(o.dir, o.labEnv, s.goBin.replace(/\/go$/, ''));
  return measure({ python: s.python, ns: o.ns, env, cwd: o.dir, timeoutS: o.timeoutS, cmd: [s.goBin, 'mod', 'download'] });
}

export interface ShellCheck {
  /** What the check is for, e.g. "dns proxy.lab.test". */
  readonly hop: string;
  readonly argv: readonly string[];
}

/** One command per hop the probe checks, as a person debugging the pod would type them. */
export function shellChecks(o: {
  readonly dig: string;
  readonly openssl: string;
  readonly curl: string;
  readonly caFile: string;
  /** Hosts the probe resolves, connects to and handshakes with (the GOPROXY host, then each redirect host). */
  readonly tlsHosts: readonly string[];
  /** Every URL the probe fetches, in the order its stages ask them; zips are followed through redirects. */
  readonly urls: readonly string[];
}): ShellCheck[] {
  const checks: ShellCheck[] = [];
  const hostChecks = (host: string): ShellCheck[] => [
    { hop: `dns ${host}`, argv: [o.dig, '+time=5', '+tries=1', host, 'A'] },
    { hop: `tcp+tls ${host}`, argv: [o.openssl, 's_client', '-connect', `${host}:443`, '-servername', host, '-showcerts', '-CAfile', o.caFile, '-verify_return_error'] },
  ];
  checks.push(...hostChecks(o.tlsHosts[0]!));
  for (const url of o.urls) {
    checks.push({ hop: `http ${url}`, argv: [o.curl, '-fsS', '--max-time', '20', '--cacert', o.caFile, '-o', '/dev/null', ...(url.endsWith('.zip') ? ['-L'] : []), url] });
  }
  for (const host of o.tlsHosts.slice(1)) checks.push(...hostChecks(host));
  return checks;
}

/** The checks as one POSIX sh script that stops at the first failure (as `set -e` scripts do). */
export function shellScript(checks: readonly ShellCheck[]): string {
  const quote = (a: string): string => (/^[A-Za-z0-9_./:=@+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return [
    '#!/bin/sh',
    '# The manual check of every hop gomodprobe checks: dig, openssl s_client -showcerts, curl.',
    'set -eu',
    ...checks.map((c) => `${c.argv.map(quote).join(' ')} </dev/null >/dev/null  # ${c.hop}`),
    '',
  ].join('\n');
}

export async function runShell(s: Subjects, o: { ns: string; labEnv: Env; script: string; timeoutS: number }): Promise<Measured> {
  const dir = freshDir(s, 'shell');
  const file = join(dir, 'check.sh');
  writeFileSync(file, o.script, { mode: 0o755 });
  const env = { PATH: '/usr/bin:/bin', HOME: dir, ...o.labEnv };
  return measure({ python: s.python, ns: o.ns, env, cwd: dir, timeoutS: o.timeoutS, cmd: ['/bin/sh', file] });
}
