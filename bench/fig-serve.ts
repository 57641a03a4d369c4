// Figure 6, fleet mode: `gomodprobe serve --demo` runs 1,000 scheduled probes back to back against the
// embedded demo target (on loopback, on the host); its resident memory must stay flat (no leak) and
// the CPU each run costs is reported. Memory and CPU are read from /proc/<pid> (not from the
// exporter's own metrics), sampled every SAMPLE_EVERY runs as counted by its gomodprobe_runs_total.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { median, round, type Figure } from './stats.js';
import type { Subjects } from './subjects.js';

const SAMPLE_EVERY = 50;
/** The interval between two runs: shorter than a run, so that they run back to back. */
const INTERVAL = '100ms';
/** End RSS over the RSS after the warm-up: "flat" allows the allocator and GC this much drift. */
const RSS_GROWTH_TARGET = 1.1;

interface Sample {
  readonly runs: number;
  readonly rssKb: number;
  readonly cpuMs: number;
  readonly atMs: number;
}

function procSample(pid: number): { rssKb: number; cpuMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)![1]);
  // utime and stime (fields 14 and 15) in clock ticks; the fields after the ")" of comm start at 3.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssKb, cpuMs: (ticks * 1000) / 100 };
}

async function runsSoFar(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  let total = 0;
  for (const m of text.matchAll(/^gomodprobe_runs_total\{result="(\w+)"[^}]*\} (\d+)$/gm)) {
    if (m[1] !== 'pass' && Number(m[2]) > 0) throw new Error(`a demo run did not pass (${m[0]})`);
    total += Number(m[2]);
  }
  return total;
}

export async function serveFigures(s: Subjects, runs: number, log: (line: string) => void): Promise<{ figures: Figure[]; samples: Sample[] }> {
  const child = spawn(s.node, [...s.nodeFlags, s.cli, 'serve', '--demo', '--interval', INTERVAL, '--listen', '127.0.0.1:0'], {
    cwd: s.workDir,
    env: { PATH: '/usr/bin:/bin', HOME: s.workDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let head = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 30_000);
      const onData = (d: Buffer): void => {
        head += d.toString();
        const line = head.split('\n').find((l) => l.includes('"msg":"serving"'));
        if (!line) return;
        clearTimeout(timer);
        // The logs of 1,000 runs are read and dropped from here on.
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve(`http://${(JSON.parse(line) as { listen: string }).listen}`);
      };
      child.stdout.on('data', onData);
      void exited.then((code) => reject(new Error(`serve exited (${code}): ${stderr}`)));
    });
    const samples: Sample[] = [];
    const t0 = performance.now();
    let next = SAMPLE_EVERY;
    while (next <= runs) {
      const done = await runsSoFar(url);
      if (done >= next) {
        samples.push({ runs: done, ...procSample(child.pid!), atMs: performance.now() - t0 });
        if (samples.length % 4 === 0) log(`serve: ${done} runs, RSS ${Math.round(samples.at(-1)!.rssKb / 1024)} MB`);
        next += SAMPLE_EVERY;
        continue;
      }
      if (performance.now() - t0 > runs * 2000) throw new Error(`only ${done} of ${runs} runs after ${Math.round((performance.now() - t0) / 1000)} s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // Warm-up: the first runs load and compile the pipeline. Flat = the last samples against those after it.
    const warm = samples.filter((x) => x.runs >= runs * 0.1 && x.runs <= runs * 0.3);
    const end = samples.filter((x) => x.runs >= runs * 0.9);
    const warmRss = median(warm.map((x) => x.rssKb)) / 1024;
    const endRss = median(end.map((x) => x.rssKb)) / 1024;
    const peakRss = Math.max(...samples.map((x) => x.rssKb)) / 1024;
    const first = warm[0]!;
    const last = samples.at(-1)!;
    const cpuPerRun = (last.cpuMs - first.cpuMs) / (last.runs - first.runs);
    const wallPerRun = (last.atMs - first.atMs) / (last.runs - first.runs);
    const growth = endRss / warmRss;
    log(`serve: RSS ${round(warmRss)} MB after ${first.runs} runs, ${round(endRss)} MB at ${last.runs} (peak ${round(peakRss)} MB); CPU ${round(cpuPerRun, 2)} ms per run`);
    return {
      samples,
      figures: [
        {
          id: 'serve.rss_growth',
          title: `serve: RSS after ${runs} runs / after warm-up`,
          value: round(growth, 2),
          unit: 'x',
          target: `<= ${RSS_GROWTH_TARGET.toFixed(2)}x`,
          holds: growth <= RSS_GROWTH_TARGET,
          detail: `median RSS of the samples at runs ${Math.round(runs * 0.9)}..${runs}: ${round(endRss)} MB, at runs ${Math.round(runs * 0.1)}..${Math.round(runs * 0.3)}: ${round(warmRss)} MB; peak ${round(peakRss)} MB; sampled every ${SAMPLE_EVERY} runs from /proc`,
        },
        { id: 'serve.rss_mb', title: `serve: RSS after ${runs} runs`, value: round(endRss), unit: 'MB', target: '-', holds: undefined, detail: `peak ${round(peakRss)} MB` },
        {
          id: 'serve.cpu_per_run_ms',
          title: 'serve: CPU per run (demo target)',
          value: round(cpuPerRun, 2),
          unit: 'ms',
          target: '-',
          holds: undefined,
          detail: `user+system CPU of the exporter from run ${first.runs} to ${last.runs}, divided by the runs (the demo target's servers run in the same process); wall ${round(wallPerRun)} ms per run at --interval ${INTERVAL}`,
        },
      ],
    };
  } finally {
    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) log(`serve: exited ${code} after SIGTERM: ${stderr.slice(-500)}`);
  }
}
