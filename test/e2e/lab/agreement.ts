// One scenario end to end: apply its policy to a fresh pod, run go and the probe there with the same
// environment, and judge agreement. The table printed at the end of the run is built from these results.

import { join } from 'node:path';
import type { E2eLab } from './lab.js';
import type { Pod } from './netns.js';
import type { Prerequisites } from './prereq.js';
import { goEnv, runGo, runProbe, type GoOutcome, type ProbeOutcome } from './runners.js';
import { applyEnvChange, baseLabEnv, MODULE_AT_VERSION, type Scenario } from './scenarios.js';

export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly pod: Pod;
  readonly env: Readonly<Record<string, string>>;
  readonly go: GoOutcome;
  readonly probe: ProbeOutcome;
  readonly problems: readonly string[];
}

export async function runScenario(lab: E2eLab, pod: Pod, s: Scenario, pre: Prerequisites): Promise<ScenarioResult> {
  await lab.applyPolicy(pod, s.policy);
  const labEnv = applyEnvChange(baseLabEnv(lab.content), s.env?.(lab.content) ?? {});
  const goBinDir = pre.goBin.replace(/\/go$/, '');
  const module = s.module ?? MODULE_AT_VERSION;
  const goDir = lab.freshDir(`${s.id}-go`);
  const probeDir = lab.freshDir(`${s.id}-probe`);
  const [go, probe] = await Promise.all([
    runGo({ ns: pod.ns, goBin: pre.goBin, env: goEnv(goDir, labEnv, goBinDir), module, cwd: goDir }),
    runProbe({ ns: pod.ns, node: pre.node, cli: pre.cli, env: goEnv(probeDir, labEnv, goBinDir), module, reportDir: join(probeDir, 'report'), cwd: probeDir }),
  ]);
  await lab.clearPolicy(pod);
  return { scenario: s, pod, env: labEnv, go, probe, problems: judge(s, go, probe) };
}

/** Every way the probe and go (or go and the scenario's premise) disagree; empty when all agree. */
export function judge(s: Scenario, go: GoOutcome, probe: ProbeOutcome): string[] {
  const problems: string[] = [];
  const goPassed = go.exit === 0;
  const e = s.expect;
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
      const exitFor: Record<string, number> = { dns: 10, tcp: 11, tls: 12, proxy: 13, sumdb: 14, redirect: 15 };
      if (probe.exit !== exitFor[f.stage]) problems.push(`exit code ${probe.exit} does not name stage ${f.stage}`);
    }
  }
  for (const want of s.findings ?? []) {
    const [stage, code] = want.includes(':') ? want.split(':', 2) : [undefined, want];
    if (!r.stages.some((st) => (stage === undefined || st.stage === stage) && st.findings.some((f) => f.code === code))) {
      problems.push(`finding ${want} missing: ${JSON.stringify(r.stages.flatMap((st) => st.findings.map((f) => `${st.stage}:${f.code}`)))}`);
    }
  }
  // On a blackholed target go waits out its 30 s dial timeout; the probe must be done well before.
  if (s.blackholed && !(probe.ms < go.ms * 0.5)) problems.push(`the probe took ${probe.ms} ms, not well inside go's ${go.ms} ms`);
  return problems;
}

/**
 * Whether the probe's predicted go error (failure.goError) is go's error text, first line compared.
 * Shown in the table as evidence, not asserted: the verdict and the stage are the contract.
 */
export function goErrorAgreement(r: Pick<ScenarioResult, 'go' | 'probe'>): 'same' | 'inner' | 'differs' | '-' {
  const predicted = r.probe.report?.failure?.goError;
  if (r.go.exit === 0 || predicted === undefined) return '-';
  // Ephemeral source ports and the verifier's clock reading cannot match between two processes.
  const first = (t: string): string =>
    (t.split('\n')[0] ?? '')
      .replace(/^go: /, '')
      .replace(/(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:]+\]):\d+->/g, '$1:*->')
      .replace(/current time \S+ is/g, 'current time * is')
      .trim();
  if (first(predicted) === first(r.go.error)) return 'same';
  // The first-hop stages predict the innermost error (the dial's, the handshake's) without go's wrapping.
  return first(r.go.error).endsWith(`: ${first(predicted)}`) ? 'inner' : 'differs';
}

const trim = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The scenario table: scenario, go's exit and first error line, the probe's exit, stage, cause, agree?. */
export function formatTable(results: readonly ScenarioResult[], goVersion: string): string {
  const rows = results.map((r) => {
    const f = r.probe.report?.failure;
    return [
      r.scenario.title,
      `${r.go.exit ?? 'killed'} (${(r.go.ms / 1000).toFixed(1)}s)`,
      r.go.exit === 0 ? '-' : trim(r.go.firstError.replace(/\s+/g, ' '), 110),
      `${r.probe.exit ?? 'killed'} (${(r.probe.ms / 1000).toFixed(1)}s)`,
      f?.stage ?? (r.probe.exit === 0 ? 'pass' : '?'),
      f?.cause ?? '-',
      goErrorAgreement(r),
      r.problems.length === 0 ? 'yes' : `NO: ${trim(r.problems.join('; '), 200)}`,
    ];
  });
  const head = ['scenario', 'go exit', "go's first error line", 'probe exit', 'stage', 'cause', 'goError', 'agree?'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const agreed = results.filter((r) => r.problems.length === 0).length;
  return [
    `gomodprobe e2e: agreement with ${goVersion} (${agreed}/${results.length} scenarios agree)`,
    line(head),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}
