// The "deadline is not hard" case of issue #12, repeatable: GOPROXY on a name, resolv.conf pointing at a
// DNS server on loopback that takes UDP and never answers (options timeout:5 attempts:2, so go itself
// would wait 10 s), and the bundle run many times with --timeout/--deadline far below that. Each run is
// a fresh process that collects garbage every N ms (N varied run by run, none in some), since the race
// was a garbage collection landing between a timer's creation and its expiry: a pod under memory
// pressure collects often, and before the fix every one of these runs waited out resolv.conf's 10 s. Used by
// test/hostile/deadline.test.ts (asserts the bound) and bench/fig-deadline.ts (reports the distribution).

import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labPki } from '../../src/lab/target.js';
import type { RunReport } from '../../src/report/types.js';

/** What each run is told to spend: the per-operation timeout or the global deadline runs out first. */
export interface DeadlineCase {
  readonly timeoutMs: number;
  readonly deadlineMs: number;
}

export interface DeadlineSample extends DeadlineCase {
  /** ms between forced garbage collections in the probe's process; 0: none forced. */
  readonly gcEveryMs: number;
  readonly exitCode: number | null;
  /** The process, from spawn to exit (includes node's start-up). */
  readonly wallMs: number;
  /** report.json's durationMs: from the start of the run to its verdict. */
  readonly durationMs: number;
  readonly dnsStageMs: number | undefined;
  readonly cause: string | undefined;
  readonly detail: string | undefined;
  /** How late it ended: the dns stage past --timeout, or the run past --deadline, whichever is more. */
  readonly overrunMs: number;
}

/** The runs cycle through these: a full collection every N ms in the probe's process (0: V8's own pace). */
const GC_EVERY_MS = [0, 50, 100, 150] as const;

/** node flags that make the process collect garbage every `ms` (a preloaded timer that never holds it open). */
function gcFlags(ms: number): string[] {
  return ms > 0 ? ['--expose-gc', '--import', `data:text/javascript,setInterval(() => gc(), ${ms}).unref()`] : [];
}

/** A UDP socket on loopback that reads every query and answers none. */
export async function silentDnsServer(): Promise<{ port: number; close(): void }> {
  const sock = dgram.createSocket('udp4');
  sock.on('message', () => undefined);
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  return { port: sock.address().port, close: () => sock.close() };
}

async function oneRun(bundle: string, dnsPort: number, c: DeadlineCase, gcEveryMs: number, killAfterMs: number): Promise<DeadlineSample> {
  const dir = mkdtempSync(join(tmpdir(), 'gmp-deadline-'));
  try {
    writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:5 attempts:2\n');
    writeFileSync(join(dir, 'hosts'), '127.0.0.1 localhost\n');
    writeFileSync(join(dir, 'nsswitch.conf'), 'hosts: files dns\n');
    // One root, not the machine's ~150: parsing those costs the config stage 100-500 ms of CPU on a loaded
    // 2-core machine, and the deadline is hard there too (a config still reading at 300 ms fails as config).
    writeFileSync(join(dir, 'ca.pem'), labPki().root.certPem);
    mkdirSync(join(dir, 'certs'));
    const args = [
      ...gcFlags(gcEveryMs), bundle,
      '--resolv-conf', join(dir, 'resolv.conf'), '--hosts-file', join(dir, 'hosts'), '--nsswitch', join(dir, 'nsswitch.conf'),
      '--dns-port', String(dnsPort), '--timeout', `${c.timeoutMs}ms`, '--deadline', `${c.deadlineMs}ms`,
      '--format', 'json', '--report-dir', join(dir, 'out'), '--termination-log', join(dir, 'termination-log'),
    ];
    const env = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, GOENV: 'off', GOFLAGS: '', GOPROXY: 'https://proxy.deadline.test', GOSUMDB: 'off',
      SSL_CERT_FILE: join(dir, 'ca.pem'), SSL_CERT_DIR: join(dir, 'certs'),
    };
    const started = performance.now();
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'ignore'] });
      const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(killer);
        resolve(code);
      });
    });
    const wallMs = performance.now() - started;
    let report: RunReport | undefined;
    try {
      report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')) as RunReport;
    } catch {
      // Killed before it wrote one: the sample says so (durationMs = wall time).
    }
    const dns = report?.stages.find((s) => s.stage === 'dns');
    const durationMs = report?.durationMs ?? wallMs;
    return {
      ...c,
      gcEveryMs,
      exitCode,
      wallMs,
      durationMs,
      dnsStageMs: dns?.durationMs,
      cause: report?.failure?.cause,
      detail: report?.failure?.detail,
      overrunMs: Math.max((dns?.durationMs ?? durationMs) - c.timeoutMs, durationMs - c.deadlineMs),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `runs` runs, cycling through `cases` and the GC paces, `concurrency` at a time. */
export async function deadlineRuns(opts: {
  readonly bundle: string;
  readonly runs: number;
  readonly cases: readonly DeadlineCase[];
  readonly concurrency: number;
  /** A run still going after this is killed (its sample shows the hang). */
  readonly killAfterMs: number;
}): Promise<DeadlineSample[]> {
  const server = await silentDnsServer();
  try {
    const samples: DeadlineSample[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < opts.runs) {
        const i = next++;
        const c = opts.cases[i % opts.cases.length]!;
        const gc = GC_EVERY_MS[Math.floor(i / opts.cases.length) % GC_EVERY_MS.length]!;
        samples.push(await oneRun(opts.bundle, server.port, c, gc, opts.killAfterMs));
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    return samples;
  } finally {
    server.close();
  }
}

/** The q-quantile (0..1) of the values, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}
