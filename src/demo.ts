// `gomodprobe demo [--break STAGE]`: start the loopback lab target (cluster DNS, a TLS GOPROXY with a CA
// made for this run, a signed checksum database, object storage behind the .zip redirect), probe it
// healthy, then probe it broken at one stage. The probe runs through probeOnce with Options from
// parseOptions, exactly as a real run; only the files it reads (resolv.conf, hosts, the CA bundle)
// come from memory, so the demo works on a read-only root file system and writes nothing but the
// report dir, the JUnit file and the termination log the user asked for.

import { hostname } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { EXIT, STAGE_EXIT_CODES, STAGE_NAMES, type StageName } from './causes.js';
import { probeOnce, type ProbeIo } from './run.js';
import { InputError, errorMessage } from './errors.js';
import { LabTarget, LAB_MODULE } from './lab/target.js';
import { diskInputFs, overlayInputFs } from './inputfile.js';
import { parseOptions, type DemoBreak, type Options } from './options.js';
import { prepareDirectory, writeOutputFile } from './report/files.js';
import { palette } from './report/human.js';
import { TERMINATION_MESSAGE_MAX_BYTES } from './report/termination.js';
import { truncateUtf8 } from './report/text.js';
import { signalExitCode } from './verdict.js';

export type BreakableStage = Exclude<StageName, 'config'>;

/** The break shown when --break is not given: a TLS-inspecting proxy is the failure people meet most and understand least. */
export const DEFAULT_DEMO_BREAK: BreakableStage = 'tls';
export const BREAKABLE_STAGES: readonly BreakableStage[] = STAGE_NAMES.filter((s): s is BreakableStage => s !== 'config');
/** Every --break: the stages, and the toolchain hop (which fails at the proxy stage, as go's download does). */
export const DEMO_BREAKS: readonly DemoBreak[] = [...BREAKABLE_STAGES, 'toolchain'];

/** The stage a break fails at. */
export function breakStage(b: DemoBreak): BreakableStage {
  return b === 'toolchain' ? 'proxy' : b;
}

/** Where the lab's input files live; virtual: they are served from memory, never written. */
export const DEMO_FILES_DIR = '/gomodprobe-demo';

export interface DemoDeps {
  readonly version: string;
}

/** One probe run of the demo: its name (also the report sub-directory) and what was done to the target. */
interface DemoRun {
  readonly name: string;
  readonly title: string;
  readonly expectedExit: number;
}

/**
 * The probe's file reads with `files` laid over the real file system: paths in `files` are read from
 * memory, every other path from disk (so a --gomod file or a missing .netrc behave as in a real run).
 */
export function overlayIo(files: Readonly<Record<string, string>>): Required<ProbeIo> {
  return { inputFs: overlayInputFs(files, diskInputFs) };
}

/** `out/junit.xml` -> `out/junit-healthy.xml`: each demo run gets its own JUnit file. */
export function perRunPath(file: string, run: string): string {
  const ext = extname(file);
  return join(dirname(file), `${basename(file, ext)}-${run}${ext}`);
}

/**
 * The command line of one demo run: the lab's flags (resolver, module) plus the user's settings that
 * make sense against the lab, rendered back as flags so that parseOptions checks them once more.
 * The lab's network flags always win: the demo target only exists on its own DNS.
 */
export function demoArgv(user: Options, labArgs: readonly string[], run: string): string[] {
  const argv: string[] = [];
  // User modules replace the lab's default one (lab.test/... are the only modules the target serves).
  for (let i = 0; i < labArgs.length; i++) {
    if (labArgs[i] === '--module' && user.modules.length > 0) {
      i++;
      continue;
    }
    argv.push(labArgs[i]!);
  }
  for (const m of user.modules) argv.push('--module', m);
  // The toolchain break brings its own go.mod: the user's would conflict with it.
  if (user.gomodFile !== undefined && !labArgs.includes('--gomod')) argv.push('--gomod', user.gomodFile);
  if (user.goworkFile !== undefined && !labArgs.includes('--gomod')) argv.push('--gowork', user.goworkFile);
  if (user.gosumFile !== undefined) argv.push('--gosum', user.gosumFile);
  argv.push('--max-modules', String(user.maxModules));
  if (user.reportDir !== undefined) argv.push('--report-dir', join(user.reportDir, run));
  if (user.junitFile !== undefined) argv.push('--junit', perRunPath(user.junitFile, run));
  if (user.junitSuite !== 'gomodprobe') argv.push('--junit-suite', user.junitSuite);
  if (user.networkPolicy !== undefined) {
    argv.push('--emit-networkpolicy', perRunPath(user.networkPolicy.file, run), '--emit-networkpolicy-format', user.networkPolicy.format);
  }
  argv.push('--timeout', `${user.timeoutMs}ms`, '--deadline', `${user.deadlineMs}ms`);
  for (const m of user.mustBlock) argv.push('--must-block', m.raw);
  if (user.mustBlockUnresolvableOk) argv.push('--must-block-unresolvable-ok');
  argv.push('--format', user.format, '--log-level', user.logLevel);
  return argv;
}

/** The lab's Go environment without the empty assignments it uses to mask a parent's environment (a demo has none). */
export function demoEnv(labEnv: Readonly<Record<string, string>>, color: boolean): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(labEnv)) if (v !== '') env[k] = v;
  if (!color) env['NO_COLOR'] = '1';
  return env;
}

export async function runDemo(options: Options, deps: DemoDeps): Promise<number> {
  const out = new DemoOutput(options);
  if (options.expect) {
    // The demo sets its own expectations (healthy passes, broken fails at --break): a user's would be ignored silently.
    out.error(new InputError('--expect', 'has no meaning with demo: the demo expects a pass, then a failure at --break').message);
    return STAGE_EXIT_CODES.config;
  }
  const broken: DemoBreak = options.demoBreak ?? DEFAULT_DEMO_BREAK;
  if (options.reportDir !== undefined) {
    const dir = prepareDirectory(options.reportDir);
    if (!dir.ok) out.warn(`report dir ${dir.reason}`);
  }

  // A Ctrl-C between runs must stop the demo, not just the run in progress.
  let interruptedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    interruptedBy ??= signal;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const t0 = performance.now();
  let lab: LabTarget | undefined;
  try {
    out.intro(broken);
    lab = await LabTarget.start({});
    const runs: { run: DemoRun; exit: number }[] = [];
    const plan: (() => DemoRun)[] = [
      () => ({ name: 'healthy', title: 'healthy target', expectedExit: EXIT.ok }),
      () => ({ name: `break-${broken}`, title: `broken at ${broken}: ${lab!.breakAt(broken)}`, expectedExit: STAGE_EXIT_CODES[breakStage(broken)] }),
    ];
    for (const [i, makeRun] of plan.entries()) {
      if (interruptedBy) break;
      const run = makeRun();
      const inputs = lab.inputs(DEMO_FILES_DIR);
      const runOptions = parseOptions({
        argv: demoArgv(options, inputs.args, run.name),
        env: demoEnv(inputs.env, options.color),
        stdoutIsTTY: Boolean(process.stdout.isTTY),
        terminationLogExists: false,
      });
      out.runHeader(i + 1, plan.length, run, inputs.env);
      const exit = await probeOnce(runOptions, overlayIo(inputs.files));
      runs.push({ run, exit });
    }
    const interrupted = interruptedBy !== undefined;
    const ok = !interrupted && runs.length === plan.length && runs.every((r) => r.exit === r.run.expectedExit);
    // A healthy run that fails says why with its own exit code; a broken run that fails elsewhere is an
    // expectation not met; a signal is 128+N, as for a single run (src/verdict.ts).
    const healthy = runs[0];
    const exit = interruptedBy ? signalExitCode(interruptedBy) : ok ? EXIT.ok : healthy && healthy.exit !== EXIT.ok ? healthy.exit : EXIT.expectNotMet;
    out.verdict({ ok, broken, runs, exit, durationMs: performance.now() - t0, interrupted });
    if (options.terminationLog !== undefined) {
      const written = writeOutputFile(options.terminationLog, terminationText(ok, broken, runs, exit), { atomic: false });
      if (!written.ok) out.warn(written.reason);
    }
    return exit;
  } catch (err) {
    if (err instanceof InputError) {
      out.error(err.message);
      return STAGE_EXIT_CODES.config;
    }
    out.error(`demo target failed: ${errorMessage(err)}`);
    return EXIT.internal;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await lab?.close();
  }
}

function terminationText(ok: boolean, broken: DemoBreak, runs: readonly { run: DemoRun; exit: number }[], exit: number): string {
  const got = runs.map((r) => `${r.run.name} exit ${r.exit} (expected ${r.run.expectedExit})`).join(', ');
  const head = ok
    ? `gomodprobe demo: PASS: the healthy target passed and the target broken at ${broken} failed ${broken === breakStage(broken) ? 'there' : `at ${breakStage(broken)}`} (exit 0)`
    : `gomodprobe demo: ${exit > 128 ? 'ERROR: interrupted' : 'FAIL'}: ${got} (exit ${exit})`;
  return truncateUtf8(head, TERMINATION_MESSAGE_MAX_BYTES);
}

/** The demo's own lines: headers and a verdict around the probe's output, in the probe's format. */
class DemoOutput {
  readonly #json: boolean;
  readonly #p: ReturnType<typeof palette>;

  constructor(options: Options) {
    this.#json = options.format === 'json';
    this.#p = palette(options.color);
  }

  intro(broken: DemoBreak): void {
    if (this.#json) {
      this.#line('info', 'demo started', { event: 'demo.started', break: broken });
      return;
    }
    const p = this.#p;
    this.#write(
      [
        p.bold('gomodprobe demo'),
        p.dim('A target on loopback: cluster DNS, a TLS GOPROXY (CA generated for this run) serving'),
        p.dim(`${LAB_MODULE}, a signed checksum database, and object storage behind the .zip redirect.`),
        p.dim(`It is probed healthy, then broken at ${broken}, with the same code as a real run.`),
        '',
      ].join('\n'),
    );
  }

  runHeader(n: number, of: number, run: DemoRun, env: Readonly<Record<string, string>>): void {
    if (this.#json) {
      this.#line('info', 'demo run', { event: 'demo.run', run: run.name, title: run.title, goproxy: env['GOPROXY'], gosumdb: env['GOSUMDB'] });
      return;
    }
    const p = this.#p;
    // The run itself says what it checks (GOPROXY, GOSUMDB, modules) once its config stage decided it.
    this.#write(`\n${p.bold(`━━ ${n}/${of}  ${run.title}`)}\n`);
  }

  verdict(v: {
    ok: boolean;
    broken: DemoBreak;
    runs: readonly { run: DemoRun; exit: number }[];
    exit: number;
    durationMs: number;
    interrupted: boolean;
  }): void {
    const runs = v.runs.map((r) => ({ run: r.run.name, exit: r.exit, expectedExit: r.run.expectedExit }));
    if (this.#json) {
      this.#line(v.ok ? 'info' : 'error', v.ok ? 'demo passed' : 'demo failed', {
        event: 'demo.finished',
        ok: v.ok,
        break: v.broken,
        runs,
        interrupted: v.interrupted,
        exitCode: v.exit,
        durationMs: Math.round(v.durationMs),
      });
      return;
    }
    const p = this.#p;
    const secs = `${(v.durationMs / 1000).toFixed(1)} s`;
    const lines = ['', p.bold('━━ demo')];
    if (v.ok) {
      lines.push(
        `${p.ok(p.bold('OK'))}  the healthy target passed (exit 0); the one broken at ${v.broken} failed at ${breakStage(v.broken)} (exit ${STAGE_EXIT_CODES[breakStage(v.broken)]}), as it should  ${secs}  (exit 0)`,
      );
      const others = DEMO_BREAKS.filter((s) => s !== v.broken).join('|');
      lines.push(p.dim(`    other breaks: gomodprobe demo --break ${others}`));
    } else if (v.interrupted) {
      lines.push(`${p.bad(p.bold('INTERRUPTED'))}  (exit ${v.exit})`);
    } else {
      const got = runs.map((r) => `${r.run}: exit ${r.exit}, expected ${r.expectedExit}`).join('; ');
      lines.push(`${p.bad(p.bold('NOT OK'))}  ${got}  (exit ${v.exit})`);
    }
    this.#write(`${lines.join('\n')}\n`);
  }

  warn(text: string): void {
    if (this.#json) this.#line('warn', 'output problem', { event: 'output.problem', warning: text });
    else this.#write(`  ${this.#p.warn('warning')}  ${text}\n`);
  }

  error(text: string): void {
    process.stderr.write(`gomodprobe: ${text}\n`);
  }

  /** A line shaped like the probe's own (pino) lines, so that `kubectl logs` readers parse one format. */
  #line(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown>): void {
    const base = { level, time: new Date().toISOString(), pid: process.pid, hostname: hostname(), name: 'gomodprobe' };
    this.#write(`${JSON.stringify({ ...base, ...fields, msg })}\n`);
  }

  #write(text: string): void {
    try {
      process.stdout.write(text);
    } catch {
      // A closed stdout (EPIPE) must not turn the demo into a crash; the exit code still tells.
    }
  }
}
