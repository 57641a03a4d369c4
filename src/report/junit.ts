// JUnit XML for CI (the NetworkPolicy regression suite): one testcase per stage and one per
// must-block target. With --expect, the expected failure is what the suite asserts, so the
// stage that failed as expected is reported as passing (its failure kept in system-out).

import { describeCause, STAGE_NAMES } from '../causes.js';
import type { Failure, StageResult } from '../stages/outcome.js';
import { stripAnsi } from './text.js';
import type { RunReport } from './types.js';

// Characters XML 1.0 does not allow at all (C0 controls except tab/LF/CR, lone surrogates,
// U+FFFE/U+FFFF): removed, since no escape can carry them.
const XML_INVALID = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function escapeXmlText(text: string): string {
  return stripAnsi(text)
    .replace(XML_INVALID, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

export function escapeXmlAttr(text: string): string {
  // Whitespace other than a space is normalised away in attributes unless written as a reference.
  return escapeXmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([k, v]) => ` ${k}="${escapeXmlAttr(String(v))}"`)
    .join('');
}

function seconds(ms: number): string {
  return Number.isFinite(ms) && ms >= 0 ? (ms / 1000).toFixed(3) : '0.000';
}

function failureBody(f: Failure): string {
  const lines = [
    `target: ${f.target}`,
    `cause: ${f.cause} (${describeCause(f.cause)})`,
    `detail: ${f.detail}`,
    `hint: ${f.hint}`,
  ];
  if (f.goError) lines.push(`go would say: ${f.goError}`);
  if (f.goWouldWait) lines.push(`go would wait: ${f.goWouldWait}`);
  return lines.join('\n');
}

function findingsText(result: StageResult): string {
  return result.findings
    .map((f) => `${f.severity} ${f.code}: ${f.message}${f.target ? ` (${f.target})` : ''}${f.hint ? `\n  hint: ${f.hint}` : ''}`)
    .join('\n');
}

interface Case {
  readonly xml: string;
  readonly failed: boolean;
  readonly errored: boolean;
  readonly skipped: boolean;
}

function stageCase(report: RunReport, suite: string, stage: string, result: StageResult | undefined): Case {
  const head = (time: number) => `    <testcase${attrs({ classname: `${suite}.stage`, name: stage, time: seconds(time) })}`;
  if (!result) {
    const why = report.verdict === 'error' ? 'not run: the probe could not run' : 'not run: an earlier stage failed';
    return { xml: `${head(0)}>\n      <skipped${attrs({ message: why })}/>\n    </testcase>`, failed: false, errored: false, skipped: true };
  }
  const parts: string[] = [];
  const out: string[] = [];
  const f = result.failure;
  const expected = f !== undefined && report.expect?.met === true && report.expect.firstFailedStage === stage;
  let failed = false;
  let skipped = false;
  if (result.status === 'skip') {
    skipped = true;
    parts.push(`      <skipped${attrs({ message: 'skipped by the stage: go would not need it' })}/>`);
  } else if (result.status === 'fail' && f && !expected) {
    failed = true;
    parts.push(`      <failure${attrs({ message: `${f.cause} at ${f.target}`, type: f.cause })}>${escapeXmlText(failureBody(f))}</failure>`);
  } else if (result.status === 'fail' && !f) {
    failed = true;
    parts.push(`      <failure${attrs({ message: 'stage failed', type: 'unknown' })}/>`);
  }
  if (expected && f) out.push(`expected failure (--expect ${report.expect!.expected}):\n${failureBody(f)}`);
  if (result.findings.length > 0) out.push(findingsText(result));
  if (out.length > 0) parts.push(`      <system-out>${escapeXmlText(out.join('\n'))}</system-out>`);
  const xml = parts.length > 0 ? `${head(result.durationMs)}>\n${parts.join('\n')}\n    </testcase>` : `${head(result.durationMs)}/>`;
  return { xml, failed, errored: false, skipped };
}

function mustBlockCases(report: RunReport, suite: string): Case[] {
  return (report.mustBlock ?? []).map((m) => {
    const head = `    <testcase${attrs({ classname: `${suite}.must_block`, name: m.target, time: '0.000' })}`;
    if (m.blocked) {
      return { xml: `${head}>\n      <system-out>${escapeXmlText(m.detail)}</system-out>\n    </testcase>`, failed: false, errored: false, skipped: false };
    }
    const failure = m.unresolved
      ? `      <failure${attrs({ message: `does not resolve, so not tested: ${m.target}`, type: 'must_block.unresolved' })}>${escapeXmlText(m.detail)}</failure>`
      : `      <failure${attrs({ message: `reachable but must be blocked: ${m.target}`, type: 'must_block.reachable' })}>${escapeXmlText(m.detail)}</failure>`;
    return { xml: `${head}>\n${failure}\n    </testcase>`, failed: true, errored: false, skipped: false };
  });
}

function runCases(report: RunReport, suite: string): Case[] {
  const cases: Case[] = [];
  if (report.error) {
    const e = report.error;
    const xml = `    <testcase${attrs({ classname: `${suite}.run`, name: 'run', time: seconds(report.durationMs) })}>\n      <error${attrs({ message: e.message, type: e.code })}>${escapeXmlText(`${e.code}: ${e.message}`)}</error>\n    </testcase>`;
    cases.push({ xml, failed: false, errored: true, skipped: false });
  }
  if (report.expect) {
    const x = report.expect;
    const head = `    <testcase${attrs({ classname: `${suite}.run`, name: 'expect', time: '0.000' })}`;
    const got = x.firstFailedStage ?? 'none';
    const xml = x.met
      ? `${head}/>`
      : `${head}>\n      <failure${attrs({ message: `expected ${x.expected}, first failed stage ${got}`, type: 'expect.not_met' })}/>\n    </testcase>`;
    cases.push({ xml, failed: !x.met, errored: false, skipped: false });
  }
  return cases;
}

/**
 * A JUnit XML document for the run; pure (the caller scrubs secrets from the report first). `suite`
 * names the testsuite and prefixes the testcases' classnames, so that the reports of several runs
 * (one per NetworkPolicy) stay apart in a CI's test view.
 */
export function formatJUnit(report: RunReport, suite = 'gomodprobe'): string {
  const ran = new Map(report.stages.map((s) => [s.stage as string, s]));
  const cases = [
    ...STAGE_NAMES.map((stage) => stageCase(report, suite, stage, ran.get(stage))),
    ...mustBlockCases(report, suite),
    ...runCases(report, suite),
  ];
  const counts = {
    tests: cases.length,
    failures: cases.filter((c) => c.failed).length,
    errors: cases.filter((c) => c.errored).length,
    skipped: cases.filter((c) => c.skipped).length,
    time: seconds(report.durationMs),
  };
  const suiteAttrs = { name: suite, ...counts, timestamp: report.startedAt };
  const properties = [
    ['version', report.tool.version],
    ['verdict', report.verdict],
    ['exitCode', String(report.exitCode)],
    ['reason', report.reason],
  ]
    .map(([name, value]) => `      <property${attrs({ name: name!, value: value! })}/>`)
    .join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: 'gomodprobe', ...counts })}>`,
    `  <testsuite${attrs(suiteAttrs)}>`,
    `    <properties>\n${properties}\n    </properties>`,
    ...cases.map((c) => c.xml),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
