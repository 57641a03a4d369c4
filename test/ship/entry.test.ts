// The bundle runs the CLI whatever it is called and however it is started: a copy under another name
// (`cp dist/gomodprobe.mjs /app/probe.mjs`), a symlink (npm's bin shim is one), a wrapper script.
// Each must behave exactly like `node dist/gomodprobe.mjs`: same exit code, same output. Before
// src/main.ts the CLI ran only when process.argv[1] matched a name pattern, and any other name
// printed nothing and exited 0. Also: importing cli.ts starts nothing, and no module but the entry
// imports it (the old cli <-> demo cycle).

import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_DIR } from './image-plan.js';

const BUNDLE = join(REPO_DIR, 'dist/gomodprobe.mjs');

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let work: string;
/** How each variant is started: [command, ...args before the CLI's own]. */
let variants: Record<string, readonly string[]>;

beforeAll(() => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build first (npm test does)`);
  work = mkdtempSync(join(tmpdir(), 'gomodprobe-entry-'));
  const copy = join(work, 'app', 'probe.mjs');
  mkdirSync(dirname(copy));
  copyFileSync(BUNDLE, copy);
  chmodSync(copy, 0o755);
  // npm's bin shim on Linux: node_modules/.bin/gomodprobe -> ../gomodprobe/dist/gomodprobe.mjs, run by its #! line.
  const binDir = join(work, 'node_modules', '.bin');
  mkdirSync(binDir, { recursive: true });
  const link = join(binDir, 'probe-link');
  symlinkSync(copy, link);
  const wrapper = join(work, 'run-probe');
  writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${copy}" "$@"\n`, { mode: 0o755 });
  variants = {
    'a copy named probe.mjs': [process.execPath, copy],
    'a symlink run by node': [process.execPath, link],
    'a symlink run by its #! line (npm bin shim)': [link],
    'a wrapper script': [wrapper],
  };
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function run(cmd: readonly string[], args: readonly string[], env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    // node on PATH for the #! line; HOME and GOENV keep the machine's go settings out.
    const child = spawn(cmd[0]!, [...cmd.slice(1), ...args], {
      env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: join(work, 'home'), GOENV: 'off', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** JSON log lines without what differs run to run (times, pids, durations, the demo's random ports). */
function stable(ndjson: string): unknown[] {
  const scrub = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(scrub);
    if (v === null || typeof v !== 'object') return typeof v === 'string' ? v.replace(/:\d{2,5}\b/g, ':PORT').replace(/\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+/g, '+KEY') : v;
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => !/^(time|pid|hostname)$|Ms$|^port$|^dnsPort$/.test(k))
        .map(([k, x]) => [k, scrub(x)]),
    );
  };
  return ndjson.trim().split('\n').map((l) => scrub(JSON.parse(l)));
}

/** One log line's event and outcome: stage, status, verdict, exit code, cause, the demo's runs. */
function whatHappened(line: unknown): unknown {
  const l = line as Record<string, unknown> & { failure?: { stage?: string; cause?: string } };
  return { event: l['event'], stage: l['stage'], status: l['status'], verdict: l['verdict'], exitCode: l['exitCode'], failure: l.failure && [l.failure.stage, l.failure.cause], runs: l['runs'], ok: l['ok'] };
}

const CASES: readonly { name: string; args: readonly string[]; env?: Record<string, string>; compare: (o: Outcome) => unknown; expectCode: number }[] = [
  { name: '--version', args: ['--version'], compare: (o) => o, expectCode: 0 },
  { name: '--help', args: ['--help'], compare: (o) => o, expectCode: 0 },
  { name: 'an input error', args: ['--no-such-flag'], compare: (o) => o, expectCode: 2 },
  {
    // A probe run through the lazily loaded pipeline; GOPROXY=off fails before any lookup.
    name: 'a probe run that fails (GOPROXY=off)',
    args: ['--format', 'json', '--resolv-conf', '/dev/null', '--hosts-file', '/dev/null'],
    env: { GOPROXY: 'off' },
    compare: (o) => ({ code: o.code, stderr: o.stderr, stdout: stable(o.stdout) }),
    expectCode: 13,
  },
  {
    // The demo's lab makes a new CA each run: compare what each line says happened, not its certificates.
    name: 'demo --break dns',
    args: ['demo', '--break', 'dns', '--format', 'json'],
    compare: (o) => ({ code: o.code, stderr: o.stderr, stdout: stable(o.stdout).map(whatHappened) }),
    expectCode: 0,
  },
];

describe('the bundle under any name', () => {
  for (const c of CASES) {
    it(`${c.name}: every variant behaves exactly like node dist/gomodprobe.mjs (exit ${c.expectCode})`, async () => {
      const reference = await run([process.execPath, BUNDLE], c.args, c.env);
      expect(reference.code, reference.stderr).toBe(c.expectCode);
      expect(reference.stdout + reference.stderr).not.toBe('');
      for (const [variant, cmd] of Object.entries(variants)) {
        const got = await run(cmd, c.args, c.env);
        expect(c.compare(got), variant).toEqual(c.compare(reference));
      }
    }, 120_000);
  }

  it('demo --break dns: the healthy run exits 0, the broken one 10 (dns), the demo 0', async () => {
    const r = await run([process.execPath, BUNDLE], ['demo', '--break', 'dns', '--format', 'json']);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { event: string; runs: { run: string; exit: number }[] };
    expect(last.event).toBe('demo.finished');
    expect(last.runs).toEqual([expect.objectContaining({ run: 'healthy', exit: 0 }), expect.objectContaining({ run: 'break-dns', exit: 10 })]);
    expect(r.code).toBe(0);
  }, 60_000);
});

describe('src/cli.ts is a module, src/main.ts the entry', () => {
  it('importing cli.ts starts no run and installs no handler', async () => {
    const before = ['uncaughtException', 'unhandledRejection', 'SIGTERM', 'SIGINT'].map((e) => process.listenerCount(e));
    const exitCode = process.exitCode;
    const cli = await import('../../src/cli.js');
    expect(typeof cli.main).toBe('function');
    await new Promise((r) => setTimeout(r, 50));
    expect(['uncaughtException', 'unhandledRejection', 'SIGTERM', 'SIGINT'].map((e) => process.listenerCount(e))).toEqual(before);
    expect(process.exitCode).toBe(exitCode);
  });

  it('no module under src/ but main.ts imports cli.ts (no cli <-> demo cycle)', () => {
    const src = join(REPO_DIR, 'src');
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const importers = files.filter((f) => /from ['"](\.\.?\/)+cli\.js['"]|import\(['"](\.\.?\/)+cli\.js['"]\)/.test(readFileSync(join(src, f), 'utf8')));
    expect(importers.map((f) => relative('.', f))).toEqual(['main.ts']);
  });
});
