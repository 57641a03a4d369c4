// One scenario end to end: apply its policy to a fresh pod, run go and the probe there with the same
// environment, and judge agreement. The table printed at the end of the run is built from these results.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { E2eLab } from './lab.js';
import type { LabGo, LabGoMinor } from './gos.js';
import type { Pod } from './netns.js';
import type { Prerequisites } from './prereq.js';
import { goEnv, runGo, runProbe, type GoOutcome, type ProbeOutcome, type ProbeReport } from './runners.js';
import { runOk } from './sh.js';
import { applyEnvChange, baseLabEnv, expectationFor, MODULE_AT_VERSION, type Scenario } from './scenarios.js';

/** One go and the probe told it models that go, side by side in the scenario's pod. */
export interface GoRun {
  readonly go: LabGo;
  readonly goOutcome: GoOutcome;
  readonly probe: ProbeOutcome;
  readonly problems: readonly string[];
}

export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly pod: Pod;
  readonly env: Readonly<Record<string, string>>;
  /** One per go the lab runs (go 1.23, 1.24, 1.27), in that order. */
  readonly runs: readonly GoRun[];
}

/** "go version go1.24.4 linux/amd64" -> "go1.24.4": what --go-version is told. */
export function goVersionArg(go: LabGo): string {
  const m = /\bgo(1\.\d+(?:\.\d+)?)/.exec(go.version.replace(/^go version /, ''));
  if (!m) throw new Error(`cannot read the version of ${go.bin}: ${go.version}`);
  return `go${m[1]}`;
}

/**
 * Applies the scenario's policy to its pod, then runs every go and, beside each, the probe with
 * --go-version set to that go, all at once: go spends most of its time waiting on the network (30 s on
 * a dropped SYN), so the runs overlap instead of adding up.
 */
export async function runScenario(
  lab: E2eLab, pod: Pod, s: Scenario, pre: Prerequisites, gos: readonly LabGo[],
  /** Bounds the probes running at once across scenarios (node's start-up is the CPU-heavy part of a run). */
  probeSlot: <R>(fn: () => Promise<R>) => Promise<R> = (fn) => fn(),
): Promise<ScenarioResult> {
  await lab.applyPolicy(pod, s.policy);
  if (s.synRetries !== undefined) await runOk('ip', ['netns', 'exec', pod.ns, 'sysctl', '-qw', `net.ipv4.tcp_syn_retries=${s.synRetries}`], { timeoutMs: 10_000 });
  const labEnv = applyEnvChange(baseLabEnv(lab.content), s.env?.(lab.content) ?? {});
  const module = s.module ?? MODULE_AT_VERSION;
  const runs = await Promise.all(
    gos.map(async (go): Promise<GoRun> => {
      const goBinDir = go.bin.replace(/\/go$/, '');
      const goDir = lab.freshDir(`${s.id}-go1${go.minor}`);
      const probeDir = lab.freshDir(`${s.id}-probe1${go.minor}`);
      if (s.gomod !== undefined) for (const dir of [goDir, probeDir]) writeFileSync(join(dir, 'go.mod'), s.gomod);
      if (s.gowork !== undefined) for (const dir of [goDir, probeDir]) writeFileSync(join(dir, 'go.work'), s.gowork);
      const [goOutcome, probe] = await Promise.all([
        runGo({ ns: pod.ns, goBin: go.bin, env: goEnv(goDir, labEnv, goBinDir), module, cwd: goDir, ...(s.sshHome && labEnv['HOME'] ? { rootHome: labEnv['HOME'] } : {}) }),
        probeSlot(() => runProbe({
          ns: pod.ns, node: pre.node, cli: pre.cli, env: goEnv(probeDir, labEnv, goBinDir), module, reportDir: join(probeDir, 'report'), cwd: probeDir,
          extraArgs: ['--go-version', goVersionArg(go), ...(s.gomod !== undefined ? ['--gomod', join(probeDir, 'go.mod')] : []),
            ...(s.gowork !== undefined ? ['--gowork', join(probeDir, 'go.work')] : []), ...(s.probeArgs ?? [])],
        })),
      ]);
      return { go, goOutcome, probe, problems: judge(s, go.minor, goOutcome, probe) };
    }),
  );
  await lab.clearPolicy(pod);
  return { scenario: s, pod, env: labEnv, runs };
}

const EXIT_FOR_STAGE: Readonly<Record<string, number>> = { config: 2, dns: 10, tcp: 11, tls: 12, proxy: 13, sumdb: 14, redirect: 15 };

/** Every way the probe and go 1.<minor> (or go and the scenario's premise) disagree; empty when all agree. */
export function judge(s: Scenario, minor: LabGoMinor, go: GoOutcome, probe: ProbeOutcome): string[] {
  const problems: string[] = [];
  const goPassed = go.exit === 0;
  const e = expectationFor(s, minor);
  // The premise: go does what the scenario says (else the lab, not the probe, is wrong).
  if (go.timedOut) problems.push(`go was killed by timeout after ${go.ms} ms`);
  if (e.pass && !goPassed) problems.push(`premise: go should succeed but exited ${go.exit}: ${go.firstError}`);
  if (!e.pass && goPassed) problems.push('premise: go should fail but succeeded');
  if (!e.pass && !goPassed && !e.goError.test(go.error)) problems.push(`premise: go's error does not match ${e.goError}: ${go.error.slice(0, 400)}`);

  const r = probe.report;
  if (!r) {
    problems.push(`the probe wrote no report.json (exit ${probe.exit}): ${probe.stderr.slice(0, 400)}`);
    return problems;
  }
  const probePassed = probe.exit === 0 && r.verdict === 'pass';
  if (s.knownMiss && !e.pass) {
    // Stated, not hidden: the probe passes where go fails, and says what it did not check.
    if (!probePassed) problems.push(`known miss: the probe was expected to pass (${s.knownMiss.why}) but failed at ${r.failure?.stage ?? '?'} (${r.failure?.cause ?? r.verdict})`);
    if (!hasFinding(r, s.knownMiss.finding)) problems.push(`known miss: finding ${s.knownMiss.finding} missing`);
    return problems;
  }
  if (probePassed !== goPassed) {
    problems.push(`disagreement: go ${goPassed ? 'succeeded' : 'failed'}, the probe ${probePassed ? 'passed' : `failed at ${r.failure?.stage ?? '?'} (${r.failure?.cause ?? r.verdict})`}`);
  }
  if (!e.pass && !probePassed) {
    const f = r.failure;
    if (!f) problems.push(`the probe failed (exit ${probe.exit}) without a failure record`);
    else {
      if (f.stage !== e.stage) problems.push(`stage: expected ${e.stage}, the probe said ${f.stage} (${f.cause}: ${f.detail.slice(0, 300)})`);
      if (f.cause !== e.cause) problems.push(`cause: expected ${e.cause}, the probe said ${f.cause} (${f.detail.slice(0, 300)})`);
      if (!f.hint || !e.hint.test(f.hint)) problems.push(`hint does not name the fix (${e.hint}): ${JSON.stringify(f.hint)}`);
      if (probe.exit !== EXIT_FOR_STAGE[f.stage]) problems.push(`exit code ${probe.exit} does not name stage ${f.stage}`);
    }
  }
  for (const want of s.findings ?? []) {
    if (!hasFinding(r, want)) problems.push(`finding ${want} missing: ${JSON.stringify(r.stages.flatMap((st) => st.findings.map((f) => `${st.stage}:${f.code}`)))}`);
  }
  // On a blackholed target go waits out its 30 s dial timeout; the probe must be done well before.
  if (s.blackholed && !goPassed && !(probe.ms < go.ms * 0.5)) problems.push(`the probe took ${probe.ms} ms, not well inside go's ${go.ms} ms`);
  return problems;
}

/** `stage:code` (or `code` in any stage) among the report's findings. */
function hasFinding(r: ProbeReport, want: string): boolean {
  const [stage, code] = want.includes(':') ? want.split(':', 2) : [undefined, want];
  return r.stages.some((st) => (stage === undefined || st.stage === stage) && st.findings.some((f) => f.code === code));
}

/**
 * Whether the probe's predicted go error (failure.goError) is go's error text, first line compared.
 * Shown in the table as evidence, not asserted: the verdict and the stage are the contract.
 */
export function goErrorAgreement(r: Pick<GoRun, 'goOutcome' | 'probe'>): 'same' | 'inner' | 'differs' | '-' {
  const predicted = r.probe.report?.failure?.goError;
  if (r.goOutcome.exit === 0 || predicted === undefined) return '-';
  // Ephemeral source ports and the verifier's clock reading cannot match between two processes.
  const first = (t: string): string =>
    (t.split('\n')[0] ?? '')
      .replace(/^go: /, '')
      .replace(/(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:]+\]):\d+->/g, '$1:*->')
      .replace(/current time \S+ is/g, 'current time * is')
      // go's git work directory lives under each run's own GOMODCACHE (its hash is the URL's, the same).
      .replace(/ in \S+\/cache\/vcs\/([0-9a-f]{64}):/g, ' in $GOMODCACHE/cache/vcs/$1:')
      .trim();
  if (first(predicted) === first(r.goOutcome.error)) return 'same';
  // The first-hop stages predict the innermost error (the dial's, the handshake's) without go's wrapping.
  return first(r.goOutcome.error).endsWith(`: ${first(predicted)}`) ? 'inner' : 'differs';
}

const trim = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The scenario table: one row per scenario and go: go's exit and first error line, the probe's exit, stage, cause, agree?. */
export function formatTable(results: readonly ScenarioResult[]): string {
  const rows = results.flatMap((res) =>
    res.runs.map((r) => {
      const f = r.probe.report?.failure;
      const g = r.goOutcome;
      return [
        res.scenario.title,
        `1.${r.go.minor}`,
        `${g.exit ?? 'killed'} (${(g.ms / 1000).toFixed(1)}s)`,
        g.exit === 0 ? '-' : trim(g.firstError.replace(/\s+/g, ' '), 110),
        `${r.probe.exit ?? 'killed'} (${(r.probe.ms / 1000).toFixed(1)}s)`,
        f?.stage ?? (r.probe.exit === 0 ? 'pass' : '?'),
        f?.cause ?? '-',
        goErrorAgreement(r),
        r.problems.length > 0 ? `NO: ${trim(r.problems.join('; '), 200)}` : res.scenario.knownMiss && !expectationFor(res.scenario, r.go.minor).pass ? `known miss: ${res.scenario.knownMiss.why}` : 'yes',
      ];
    }),
  );
  const head = ['scenario', 'go', 'go exit', "go's first error line", 'probe exit', 'stage', 'cause', 'goError', 'agree?'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const all = results.flatMap((r) => r.runs);
  const missed = results.flatMap((res) => res.runs.filter((r) => r.problems.length === 0 && res.scenario.knownMiss && !expectationFor(res.scenario, r.go.minor).pass)).length;
  const agreed = all.filter((r) => r.problems.length === 0).length - missed;
  const gos = [...new Map(all.map((r) => [r.go.minor, r.go.version.replace(/^go version /, '').replace(/ .*/, '')])).values()].join(', ');
  return [
    `gomodprobe e2e: agreement with ${gos} (${agreed}/${all.length} runs agree${missed > 0 ? `, ${missed} known misses stated by the probe` : ''}, ${results.length} scenarios)`,
    line(head),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}
