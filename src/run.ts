// One probe run with this process's stdout, signals and reporters: what `gomodprobe` (cli.ts), the demo
// and `serve` all run. Loaded lazily by cli.ts, so --help and --version never load it; a module of its
// own so that demo.ts and serve.ts need not import cli.ts (which imports them).

import { VERSION } from './version.js';
import type { Options } from './options.js';
import type { InputFs } from './inputfile.js';

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
