// Each stage's own work and the time it waited for work started before it (#11 item 3): the zip and
// the checksum database lookup start while the proxy stage runs (src/prefetch.ts), so a slow object
// store is waited for by the sumdb stage, which hashes the zip; that wait is not the stage's work, in
// report.json and in metrics.prom alike.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LabTarget } from '../../../src/lab/target.js';
import { cleanupRuns, probeLab, resetLab, startLab } from './harness.js';

let lab: LabTarget;

beforeAll(async () => {
  lab = await startLab();
});
afterEach(() => resetLab(lab));
afterAll(async () => {
  await lab?.close();
  cleanupRuns();
});

/** The value of one sample of metrics.prom. */
function metric(text: string, name: string, stage: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{stage="${stage}"}`));
  if (!line) throw new Error(`no ${name}{stage="${stage}"} in metrics.prom`);
  return Number(line.split(' ').at(-1));
}

describe('work and wait per stage', () => {
  it('every stage reports duration = work + wait, in report.json and metrics.prom', async () => {
    const run = await probeLab(lab);
    expect(run.exitCode).toBe(0);
    expect(run.report.stages.map((s) => s.stage)).toEqual(['config', 'dns', 'tcp', 'tls', 'proxy', 'sumdb', 'redirect']);
    for (const s of run.report.stages) {
      expect(s.workMs, s.stage).toBeGreaterThanOrEqual(0);
      expect(s.waitMs, s.stage).toBeGreaterThanOrEqual(0);
      expect(Math.abs(s.workMs + s.waitMs - s.durationMs), s.stage).toBeLessThanOrEqual(1);
      expect(metric(run.metrics, 'gomodprobe_stage_duration_seconds', s.stage)).toBe(s.workMs / 1000);
      expect(metric(run.metrics, 'gomodprobe_stage_wait_seconds', s.stage)).toBe(s.waitMs / 1000);
    }
    // Stages that share nothing started earlier never wait.
    for (const name of ['config', 'dns', 'tcp', 'tls'] as const) expect(run.stage(name).waitMs, name).toBe(0);
  });

  it('a slow object store: the sumdb stage waits for the zip fetched ahead of it, and that wait is not its work', async () => {
    const delayMs = 800;
    lab.storage.faults = { delayMs };
    const run = await probeLab(lab);
    expect(run.exitCode).toBe(0);
    const sumdb = run.stage('sumdb');
    // The zip's walk started beside .info, so part of the delay passed during the proxy stage.
    expect(sumdb.waitMs).toBeGreaterThan(delayMs / 2);
    expect(sumdb.workMs).toBeLessThan(sumdb.waitMs);
    expect(metric(run.metrics, 'gomodprobe_stage_wait_seconds', 'sumdb')).toBeGreaterThan(delayMs / 2 / 1000);
    expect(metric(run.metrics, 'gomodprobe_stage_duration_seconds', 'sumdb')).toBe(sumdb.workMs / 1000);
    // The object store was asked once: the sumdb and redirect stages judged the same download.
    expect(lab.storage.requests.filter((p) => p.startsWith('/bucket/'))).toHaveLength(1);
  });
});
