// argv + env -> Options; runs the pipeline; exit code; termination message. The only file that reads
// process.env/argv, installs signal handlers and decides how the process ends.

import { existsSync } from 'node:fs';
import { STAGE_EXIT_CODES, EXIT } from './causes.js';
import { InputError, errorMessage } from './errors.js';
import { helpText, parseOptions, type Options } from './options.js';
import type { InputFs } from './inputfile.js';

declare const __GOMODPROBE_VERSION__: string | undefined;
export const VERSION = typeof __GOMODPROBE_VERSION__ === 'string' ? __GOMODPROBE_VERSION__ : '0.0.0-dev';

/** How long the process waits for stdout to drain after the verdict before it exits anyway. */
const EXIT_DRAIN_MS = 100;

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let options: Options;
  try {
    options = parseOptions({
      argv,
      env,
      stdoutIsTTY: Boolean(process.stdout.isTTY),
      terminationLogExists: existsSync('/dev/termination-log'),
    });
  } catch (err) {
    if (err instanceof InputError) {
      process.stderr.write(`gomodprobe: ${err.message}\n`);
      return STAGE_EXIT_CODES.config;
    }
    throw err;
  }

  if (options.command === 'help') {
    process.stdout.write(helpText(VERSION));
    return EXIT.ok;
  }
  if (options.command === 'version') {
    process.stdout.write(`gomodprobe ${VERSION}\n`);
    return EXIT.ok;
  }
  if (options.command === 'demo') {
    const { runDemo } = await import('./demo.js');
    return runDemo(options, { version: VERSION });
  }
  if (options.command === 'serve') {
    const { runServe } = await import('./serve/serve.js');
    return runServe(options, { version: VERSION });
  }
  return probeOnce(options);
}

export interface ProbeIo {
  /** Where input files are read from (default: the disk, through src/inputfile.ts). */
  readonly inputFs?: InputFs;
}

/** One probe run with this process's stdout and signals; the demo calls it too, with its own files. */
export async function probeOnce(options: Options, io: ProbeIo = {}): Promise<number> {
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    // The reason is the signal's name: the verdict turns it into exit 128+N (src/verdict.ts).
    if (!interrupt.signal.aborted) interrupt.abort(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  await tuneV8();
  // Loaded here, not at the top: --help and --version must start as fast as `node -e 0` allows.
  const [{ runProbe }, { createReporter }, { collectSecrets }, { InputFiles }] = await Promise.all([
    import('./probe.js'),
    import('./report/reporter.js'),
    import('./secrets.js'),
    import('./inputfile.js'),
  ]);
  // One set of reads for the secrets and the config stage: each file is read once.
  const inputs = new InputFiles(io.inputFs);
  const reporter = createReporter({
    format: options.format,
    stdout: process.stdout,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    color: options.color,
    columns: process.stdout.columns ?? 80,
    ...(options.reportDir ? { reportDir: options.reportDir } : {}),
    ...(options.terminationLog ? { terminationLog: options.terminationLog } : {}),
    ...(options.junitFile ? { junitFile: options.junitFile } : {}),
    junitSuite: options.junitSuite,
    ...(options.networkPolicy ? { networkPolicy: options.networkPolicy } : {}),
    secrets: await collectSecrets(options, inputs),
    level: options.logLevel,
  });
  try {
    const report = await runProbe(options, {
      reporter,
      version: VERSION,
      interrupt: interrupt.signal,
      inputs,
    });
    await reporter.finish(report);
    return report.exitCode;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

/**
 * A probe lives for seconds, and V8's defaults are a long-running server's: they trade memory for
 * throughput it never reaches. undici's WebAssembly HTTP parser was recompiled by the optimizing tier
 * mid-run (~35 MB transient; set before the first connection compiles it), the young generation grew
 * to tens of MB of garbage, and optimizing compiles cost memory and CPU on a 2-core node. Peak RSS:
 * one module 102 -> 66 MB, 500 modules 135 -> 87 MB, at the same speed. `serve` runs the same short
 * probes, one every few minutes, and idles in between: the same trade holds.
 * (node:v8 is imported here, not at the top: --version and --help never load it.)
 */
export async function tuneV8(): Promise<void> {
  const { setFlagsFromString } = await import('node:v8');
  for (const flag of ['--liftoff-only', '--no-opt', '--optimize-for-size', '--semi-space-growth-factor=1']) setFlagsFromString(flag);
}

function isMain(): boolean {
  const arg = process.argv[1] ?? '';
  return /gomodprobe(\.mjs)?$|cli\.(ts|js)$/.test(arg);
}

if (isMain()) {
  // A bug must still end as one line and exit 1, never a bare stack trace.
  const crash = (err: unknown): void => {
    process.stderr.write(`gomodprobe: internal error: ${errorMessage(err)}\n`);
    process.exit(EXIT.internal);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  main(process.argv.slice(2), process.env).then(
    (code) => {
      process.exitCode = code;
      // Let stdout drain, but never linger on a stray handle (a half-open socket, a keep-alive timer):
      // the run promised to end within its deadline.
      process.stdout.write('', () => process.exit(code));
      setTimeout(() => process.exit(code), EXIT_DRAIN_MS).unref();
    },
    crash,
  );
}
