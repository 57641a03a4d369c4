// Each stage's own work and the time it waited for work started before it (#11 item 3): the zip and
// the checksum database lookup start while the proxy stage runs (src/prefetch.ts), so a slow object
// store is waited for by the sumdb stage, which hashes the zip; that wait is not the stage's work, in
// report.json and in metrics.prom alike.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LabTarget } from '../../../src/lab/target.js';
import { cleanupRuns, LAB_NAMES, probeLab, resetLab, startLab } from './harness.js';

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

  it('a slow object store shows in the storage hop\'s first byte, in report.json hops[] and as gomodprobe_hop_phase_duration_seconds', async () => {
    const delayMs = 600;
    lab.storage.faults = { delayMs };
    const run = await probeLab(lab);
    expect(run.exitCode).toBe(0);
    const hops = run.report.hops ?? [];
    const storage = hops.find((h) => new URL(h.origin).hostname === LAB_NAMES.storage);
    const proxy = hops.find((h) => new URL(h.origin).hostname === LAB_NAMES.proxy);
    expect(storage, JSON.stringify(hops)).toBeDefined();
    expect(proxy, JSON.stringify(hops)).toBeDefined();
    // Every phase of both hops measured: the proxy's first connection by the dns/tcp/tls stages, the store's by the HTTP client.
    for (const h of [storage!, proxy!]) {
      for (const phase of ['dnsMs', 'connectMs', 'tlsMs', 'firstByteMs', 'bodyMs'] as const) expect(h[phase], `${h.origin} ${phase}`).toBeGreaterThanOrEqual(0);
      expect(h.requests).toBeGreaterThan(0);
    }
    expect(storage!.firstByteMs).toBeGreaterThanOrEqual(delayMs - 5);
    expect(proxy!.firstByteMs!).toBeLessThan(delayMs);
    const line = run.metrics.split('\n').find((l) => l.startsWith('gomodprobe_hop_phase_duration_seconds{') && l.includes(`host="${LAB_NAMES.storage}:`) && l.includes('phase="first_byte"'));
    expect(line).toBeDefined();
    expect(Number(line!.split(' ').at(-1))).toBe(storage!.firstByteMs! / 1000);
    // Requests carry the same split.
    const zipRequest = (run.report.requests ?? []).find((r) => new URL(r.url).hostname === LAB_NAMES.storage);
    expect(zipRequest?.firstByteMs).toBeGreaterThanOrEqual(delayMs - 5);
  });
});
