// npm run bench: start-up, round trips, peers, bounded failure and scale, measured in one run on the
// e2e lab with a delay relay on the pod's link. Prints the table and writes bench/results.json.
//
//   npm run bench                      everything (as root, after .ci/run --setup-only)
//   npm run bench -- --runs 3          fewer runs per figure
//   npm run bench -- --only startup,roundtrips,failure,scale,deadline,serve,toolchain
//   npm run bench -- --no-write        print, do not update bench/results.json
//   npm run bench -- --keep            keep the lab's and the runs' files (reports, go.mod, scripts)
//   npm run bench -- --cpu-prof --keep a V8 CPU profile of every probe run, beside its report.json

import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deadlineFigures } from './fig-deadline.js';
import { failureFigures } from './fig-failure.js';
import { roundTripFigures } from './fig-roundtrips.js';
import { scaleFigures } from './fig-scale.js';
import { serveFigures } from './fig-serve.js';
import { startupFigures } from './fig-startup.js';
import { toolchainFigures } from './fig-toolchain.js';
import { goCandidates } from '../test/e2e/lab/gos.js';
import { BenchLab } from './lab.js';
import { prepareMachine } from './setup.js';
import { readImagePlan } from '../test/ship/image-plan.js';
import { formatTable, round, type Figure } from './stats.js';
import type { Subjects } from './subjects.js';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const RESULTS = join(REPO, 'bench', 'results.json');
/** The results this run replaces, kept beside the new ones so that a regression shows in review. */
const PREVIOUS_RESULTS = join(REPO, 'bench', 'results.prev.json');
export const RESULTS_SCHEMA = 'gomodprobe.bench/v1';
/** One-way delay on the pod's link: 50 ms round trips, a cluster talking to a proxy in another region. */
const DELAY_MS = 25;
/** The per-operation timeout of the bounded-failure runs. */
const FAILURE_TIMEOUT_MS = 3000;
const SCALE_COUNTS = [10, 100, 500] as const;
const PARTS = ['startup', 'roundtrips', 'failure', 'scale', 'deadline', 'serve', 'toolchain'] as const;
/** Scheduled runs of the fleet-mode figure (the issue's 1,000: enough for a leak to show). */
const SERVE_RUNS = 1000;
type Part = (typeof PARTS)[number];

interface Args {
  runs: number;
  only: Set<Part>;
  write: boolean;
  keep: boolean;
  cpuProf: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { runs: 5, only: new Set(PARTS), write: true, keep: false, cpuProf: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--runs') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1 || n > 50) throw new Error('--runs takes 1..50');
      a.runs = n;
    } else if (arg === '--only') {
      const parts = (argv[++i] ?? '').split(',');
      const bad = parts.filter((p) => !(PARTS as readonly string[]).includes(p));
      if (bad.length > 0 || parts.length === 0) throw new Error(`--only takes ${PARTS.join(',')}`);
      a.only = new Set(parts as Part[]);
    } else if (arg === '--no-write') a.write = false;
    else if (arg === '--keep') a.keep = true;
    else if (arg === '--cpu-prof') a.cpuProf = true;
    else throw new Error(`unknown argument ${arg} (see the top of bench/run.ts)`);
  }
  return a;
}

const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

/** A part that cannot be measured is a failed figure in the table, not the end of the run. */
async function part(name: string, figures: Figure[], fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log(`${name} FAILED: ${err instanceof Error ? (err.stack ?? message) : message}`);
    figures.push({ id: `${name}.error`, title: `${name}: could not be measured`, value: Number.NaN, unit: 'ms', target: 'runs', holds: false, detail: message.slice(0, 2000) });
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const loadAtStart = loadavg().map((l) => round(l, 2));
  const machine = await prepareMachine(REPO, log);
  const workDir = mkdtempSync(join(tmpdir(), 'gmp-bench-'));
  chmodSync(workDir, 0o755);
  // A private copy of the bundle: other builds of dist/ during the run must not change what is measured.
  const cli = join(workDir, 'gomodprobe.mjs');
  copyFileSync(machine.cli, cli);
  // With its units' V8 code caches, as the image has them beside /app/gomodprobe.mjs.
  for (const f of readdirSync(dirname(machine.cli))) if (/^gomodprobe\.[a-z0-9]+\.v8cache$/.test(f)) copyFileSync(join(dirname(machine.cli), f), join(workDir, f));
  const nodeFlags = readImagePlan(REPO).nodeFlags;
  log(`node flags (the image's ENTRYPOINT): ${nodeFlags.join(' ') || '(none)'}`);
  const subjects: Subjects = { python: machine.python, node: machine.node, nodeFlags, cli, goBin: machine.goBin, workDir, cpuProf: args.cpuProf };
  const figures: Figure[] = [];
  const samples: Record<string, unknown> = {};
  const extra: Record<string, unknown> = {};
  let lab: BenchLab | undefined;
  const stop = (signal: string): void => {
    log(`${signal}: tearing the lab down`);
    // The e2e lab's exit hook removes the namespaces and kills the servers and the relay; the files go here.
    if (!args.keep) {
      rmSync(workDir, { recursive: true, force: true });
      if (lab) rmSync(lab.e2e.dir, { recursive: true, force: true });
    }
    process.exit(130);
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  try {
    let startupMs = Number.NaN;
    if (args.only.has('startup') || args.only.has('failure')) {
      await part('startup', figures, async () => {
        log('figure 1: start-up');
        const r = await startupFigures(subjects, Math.max(args.runs * 3, 9), log);
        startupMs = r.probeMs;
        if (args.only.has('startup')) figures.push(...r.figures);
        samples['startup'] = r.samples;
      });
    }
    if (args.only.has('deadline')) {
      await part('deadline', figures, async () => {
        log('figure 6: a hard deadline against a silent DNS server');
        const r = await deadlineFigures(subjects, args.runs * 10, log);
        figures.push(...r.figures);
        samples['deadline'] = r.samples;
      });
    }
    if (args.only.has('serve')) {
      await part('serve', figures, async () => {
        log(`figure 7: fleet mode, ${SERVE_RUNS} runs of serve --demo`);
        const r = await serveFigures(subjects, SERVE_RUNS, log);
        figures.push(...r.figures);
        samples['serve'] = r.samples;
      });
    }
    if (args.only.has('roundtrips') || args.only.has('failure') || args.only.has('scale') || args.only.has('toolchain')) {
      const bulkModules = args.only.has('scale') ? Math.max(...SCALE_COUNTS) : 0;
      log(`starting the lab (${bulkModules} bulk modules, delay ${DELAY_MS} ms each way)`);
      lab = await BenchLab.start({ bulkModules, python: machine.python });
    }
    if (lab && (args.only.has('roundtrips') || args.only.has('scale') || args.only.has('toolchain'))) {
      const pod = await lab.delayedPod(DELAY_MS);
      const content = lab.e2e.content;
      if (args.only.has('roundtrips')) {
        await part('roundtrips', figures, async () => {
          log('figures 2 and 3: healthy run vs lower bound, shell checks and go');
          const r = await roundTripFigures({ subjects, ns: pod.ns, content, rttMs: 2 * DELAY_MS, runs: args.runs, tools: machine.tools, log });
          figures.push(...r.figures);
          samples['roundtrips'] = r.samples;
          extra['lowerBound'] = r.lowerBound;
          extra['measuredRttMs'] = r.measuredRttMs;
          extra['shellScript'] = r.shellScript;
        });
      }
      if (args.only.has('toolchain')) {
        await part('toolchain', figures, async () => {
          log('figure 8: the toolchain check against go\'s switch (go 1.23.5 to go1.27.3)');
          const go127 = goCandidates(27, process.env).find((b) => existsSync(b));
          if (!go127) throw new Error('go 1.27 is not installed (scripts/install-gos.sh)');
          const r = await toolchainFigures({ subjects, go127, ns: pod.ns, content, runs: args.runs, log });
          figures.push(...r.figures);
          samples['toolchain'] = r.samples;
        });
      }
      if (args.only.has('scale')) {
        await part('scale', figures, async () => {
          log('figure 5: scale');
          const r = await scaleFigures({ subjects, ns: pod.ns, content, counts: SCALE_COUNTS, runs: Math.min(args.runs, 3), rttMs: 2 * DELAY_MS, log });
          figures.push(...r.figures);
          samples['scale'] = r.samples;
        });
      }
    }
    if (lab && args.only.has('failure')) {
      const bench = lab;
      const e2e = lab.e2e;
      await part('failure', figures, async () => {
        log('figure 4: bounded failure (go waits up to 30 s here)');
        const pods = [await bench.plainPod(), await bench.plainPod(), await bench.plainPod()];
        if (!Number.isFinite(startupMs)) throw new Error('no start-up figure to allow for');
        const r = await failureFigures({ subjects, lab: e2e, pods, content: e2e.content, timeoutMs: FAILURE_TIMEOUT_MS, startupMs, runs: Math.min(args.runs, 3), log });
        figures.push(...r.figures);
        samples['failure'] = r.samples;
      });
    }
  } finally {
    await lab?.e2e.stop({ keepFiles: args.keep });
    if (!args.keep) rmSync(workDir, { recursive: true, force: true });
    else log(`kept ${workDir}${lab ? ` and ${lab.e2e.dir}` : ''}`);
  }

  const elapsedS = round((performance.now() - started) / 1000, 1);
  // The machine, stated with the results: cores, Node and its OpenSSL, and how busy it was.
  const machineFacts = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    kernel: release(),
    nodeOpenssl: process.versions.openssl,
    loadAverage: { atStart: loadAtStart, atEnd: loadavg().map((l) => round(l, 2)) },
    ...machine.versions,
  };
  process.stdout.write(
    `\ngomodprobe bench (${machine.versions['go']}, node ${process.version} with OpenSSL ${process.versions.openssl}, ${machineFacts.cpus} cpus ${machineFacts.cpuModel}, load ${loadAtStart.join(' ')} at start, ${elapsedS} s)\n${formatTable(figures)}\n`,
  );
  const lb = extra['lowerBound'] as { path: readonly string[] } | undefined;
  if (lb) process.stdout.write(`\nlower bound path: ${lb.path.join(' -> ')}\n`);
  const failed = figures.filter((f) => f.holds === false);
  for (const f of failed) process.stdout.write(`NOT MET: ${f.title}: ${f.detail}\n`);

  if (args.write) {
    const results = {
      schema: RESULTS_SCHEMA,
      generatedAt: new Date().toISOString(),
      elapsedS,
      machine: machineFacts,
      lab: { delayMsEachWay: DELAY_MS, rttMs: 2 * DELAY_MS, failureTimeoutMs: FAILURE_TIMEOUT_MS, runs: args.runs, parts: [...args.only] },
      figures: figures.map((f) => ({ id: f.id, title: f.title, value: f.value, unit: f.unit, target: f.target, holds: f.holds ?? null, detail: f.detail })),
      ...extra,
      samples,
    };
    if (existsSync(RESULTS)) renameSync(RESULTS, PREVIOUS_RESULTS);
    writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
    log(`wrote ${RESULTS} (the previous results are in ${PREVIOUS_RESULTS})`);
  }
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
