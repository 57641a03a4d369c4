// A real `gomodprobe serve` (the built CLI, node dist/gomodprobe.mjs) for the tests: started on a
// loopback port of its own choosing (--listen 127.0.0.1:0 unless the caller gives one), which it names
// in its "serving" log line; stopped with SIGTERM, as Kubernetes stops it.

import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from '../stages/harness.js';

export interface Exporter {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** Everything it printed so far. */
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then its exit code and how long it took to exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

export async function startExporter(args: readonly string[], env: Record<string, string> = {}): Promise<Exporter> {
  const argv = ['serve', ...args];
  if (!argv.includes('--listen')) argv.push('--listen', '127.0.0.1:0');
  const child = spawn(process.execPath, [CLI, ...argv], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start within 20 s: ${err}${out.slice(-2000)}`)), 20_000);
    const check = (): void => {
      for (const line of out.split('\n')) {
        if (!line.includes('"msg":"serving"')) continue;
        clearTimeout(timer);
        resolve(Number(/:(\d+)$/.exec((JSON.parse(line) as { listen: string }).listen)![1]));
        return;
      }
    };
    child.stdout!.on('data', check);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before serving: ${err}`));
    });
  });
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    stdout: () => out,
    stderr: () => err,
    async stop() {
      const t0 = performance.now();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const result = await exited;
      clearTimeout(kill);
      return { ...result, ms: performance.now() - t0 };
    },
  };
}

/** Polls `url` until it answers `status` (default 200), at most timeoutMs. */
export async function waitFor(url: string, timeoutMs = 20_000, status = 200): Promise<Response> {
  const deadline = performance.now() + timeoutMs;
  let last = '';
  while (performance.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (res.status === status) return res;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${last})`);
}

/** Text exposition format -> series (`name{labels}` exactly as printed) -> value. */
export function parseExposition(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    series.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return series;
}

/** The labels of a series name `name{a="x",b="y"}` (values unescaped enough for the tests: no quotes inside). */
export function labelsOf(series: string): Record<string, string> {
  const body = /\{(.*)\}$/.exec(series)?.[1] ?? '';
  return Object.fromEntries([...body.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
}
