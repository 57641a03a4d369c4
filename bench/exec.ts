// Running one measured command: on the host, or inside a pod namespace with `env -i` (nothing of this
// process leaks in). bench/measure.py starts the command and reports its wall time and peak RSS from
// wait4(2), so `ip netns exec`, `env`, `timeout` and the interpreter are not part of the figure.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../test/e2e/lab/sh.js';

const MEASURE = fileURLToPath(new URL('./measure.py', import.meta.url));

export type Env = Readonly<Record<string, string>>;

export interface Measured {
  readonly ms: number;
  /** User+sys CPU time of the command (wait4's rusage): load-independent where wall time is not. */
  readonly cpuMs: number;
  readonly maxRssKb: number;
  /** The command's exit status (negative: killed by that signal; 124: `timeout` stopped it). */
  readonly exit: number;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

export interface MeasureOptions {
  readonly python: string;
  readonly cmd: readonly string[];
  /** Run inside this network namespace with exactly this environment. */
  readonly ns?: string;
  readonly env?: Env;
  readonly cwd?: string;
  /** Hard bound on the command (coreutils timeout, then SIGKILL 5 s later). */
  readonly timeoutS: number;
}

export class MeasureError extends Error {
  readonly code = 'bench.measure_failed';
}

export async function measure(o: MeasureOptions): Promise<Measured> {
  // Inside the run's directory when there is one: an interrupted bench removes it with the rest.
  const scratch = mkdtempSync(join(o.cwd ?? tmpdir(), 'gmp-bench-m-'));
  const out = join(scratch, 'measured.json');
  try {
    const inner = ['timeout', '-k', '5', String(o.timeoutS), o.python, MEASURE, out, ...o.cmd];
    const envArgs = o.env ? ['env', '-i', ...Object.entries(o.env).map(([k, v]) => `${k}=${v}`)] : [];
    const [cmd, ...args] = o.ns ? ['ip', 'netns', 'exec', o.ns, ...envArgs, ...inner] : [...envArgs, ...inner];
    const r = await run(cmd!, args, {
      ...(o.cwd ? { cwd: o.cwd } : {}),
      env: o.ns || o.env ? { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } : { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
      timeoutMs: (o.timeoutS + 20) * 1000,
      maxOutput: 1024 * 1024,
    });
    if (!existsSync(out) && r.code === 124) {
      // The command outlived its bound: the figure is at least that long (and the caller sees timedOut).
      return { ms: o.timeoutS * 1000, cpuMs: Number.NaN, maxRssKb: 0, exit: 124, timedOut: true, stdout: r.stdout, stderr: r.stderr };
    }
    if (!existsSync(out)) {
      throw new MeasureError(`${o.cmd.join(' ')}: no measurement (exit ${r.code ?? r.signal}${r.timedOut ? ', timed out' : ''}): ${r.stderr.slice(-1500)}`);
    }
    const m = JSON.parse(readFileSync(out, 'utf8')) as { ms: number; cpuMs: number; maxRssKb: number; exit: number };
    return { ms: m.ms, cpuMs: m.cpuMs, maxRssKb: m.maxRssKb, exit: m.exit, timedOut: r.code === 124 || r.timedOut, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
