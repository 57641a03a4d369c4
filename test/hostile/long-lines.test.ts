// Hostile to the log pipeline: 2,000 modules make single JSON log lines of tens of KB (the proxy stage's
// evidence, the run's settings). Container runtimes split stdout lines over 16 KiB into partial records,
// and a pipeline that does not reassemble them receives broken JSON. Every stdout line stays within
// 16 KiB and parses; the whole lines are in gomodprobe.ndjson, which stdout points at.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabTarget } from '../../src/lab/target.js';
import { MAX_STDOUT_LINE_BYTES } from '../../src/report/sinks.js';
import { cleanupRuns, expectPass, probeLab, startLab } from './harness.js';

const MODULES = 2000;
let lab: LabTarget;

beforeAll(async () => {
  lab = await startLab({ extraModules: MODULES });
}, 120_000);

afterAll(async () => {
  await lab?.close();
  cleanupRuns();
});

describe('stdout lines with 2,000 modules', () => {
  it('every stdout line is at most 16 KiB and parses; the long ones point at the ndjson file, which has them whole', async () => {
    const requires = Array.from({ length: MODULES }, (_, i) => `\tlab.test/m${i} v1.0.0`).join('\n');
    const r = await probeLab(lab, {
      modules: [],
      // The checksum database adds 2,000 lookups and nothing to the lines in question.
      env: { GOSUMDB: 'off' },
      args: ['--gomod', '{dir}/go.mod', '--max-modules', String(MODULES)],
      files: { 'go.mod': `module lab.test/app\n\ngo 1.21\n\nrequire (\n${requires}\n)\n` },
      timeout: '10s',
      deadline: '120s',
      killAfterMs: 150_000,
    });
    expectPass(r, 150_000);
    const stdoutLines = r.stdout.split('\n').filter((l) => l !== '');
    for (const line of stdoutLines) {
      expect(Buffer.byteLength(line, 'utf8') + 1, line.slice(0, 200)).toBeLessThanOrEqual(MAX_STDOUT_LINE_BYTES);
      expect(() => JSON.parse(line)).not.toThrow();
    }
    // The case is real: the same lines in the ndjson file are far longer.
    const ndjsonLines = (r.ndjson ?? '').split('\n').filter((l) => l !== '');
    expect(Math.max(...ndjsonLines.map((l) => Buffer.byteLength(l, 'utf8')))).toBeGreaterThan(4 * MAX_STDOUT_LINE_BYTES);
    // A shortened line keeps what happened and says where the rest is.
    const finished = r.lines.find((l) => l['event'] === 'run.finished')!;
    expect(finished).toMatchObject({ verdict: 'pass', exitCode: 0 });
    const shortened = r.lines.filter((l) => Array.isArray(l['omitted']));
    expect(shortened.length).toBeGreaterThan(0);
    for (const l of shortened) expect(String(l['whole'])).toContain('gomodprobe.ndjson');
    const proxyDone = r.lines.find((l) => l['event'] === 'stage.finished' && l['stage'] === 'proxy')!;
    expect(proxyDone).toMatchObject({ status: 'pass', omitted: expect.arrayContaining(['evidence']) });
  }, 180_000);
});
