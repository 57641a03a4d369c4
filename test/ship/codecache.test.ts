// The units' V8 code caches (scripts/build.mjs): the build runs the bundle with this node and the image's
// node flags and keeps what each unit compiled in dist/gomodprobe.<unit>.v8cache; a run compiles the unit
// from it when V8 accepts it (same V8, same flags) and from source otherwise, and says which in
// report.json's `runtime.codeCache`. A cache must never change a verdict, nor a bug's mapped place in src/.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { imageNodeBin } from './image-node.js';
import { readImagePlan, REPO_DIR } from './image-plan.js';

const DIST = join(REPO_DIR, 'dist');
const FLAGS = readImagePlan().nodeFlags;
const work = mkdtempSync(join(tmpdir(), 'gmp-codecache-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface UnitLoad {
  cache: string;
  bytes: number;
  ms: number;
}

let runs = 0;
/** A run without network hops (GOPROXY=off: every stage runs, exit 13 proxy.off) of `bundle`; its exit and report. */
function offlineRun(bundle: string, nodeArgs: readonly string[], node = process.execPath) {
  const dir = join(work, `run-${++runs}`);
  mkdirSync(dir);
  const r = spawnSync(node, [...nodeArgs, bundle, '--module', 'example.com/m@v1.0.0', '--report-dir', join(dir, 'report'), '--format', 'json'], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: '/usr/bin:/bin', HOME: work, GOPROXY: 'off', GOSUMDB: 'off', GOFLAGS: '' },
  });
  const report = JSON.parse(readFileSync(join(dir, 'report', 'report.json'), 'utf8')) as {
    verdict: string;
    exitCode: number;
    failure?: { stage: string; cause: string };
    runtime: { node: string; v8: string; codeCache?: Record<string, UnitLoad> };
  };
  return { status: r.status, stderr: r.stderr, report, verdict: { exit: r.status, verdict: report.verdict, failure: report.failure && { stage: report.failure.stage, cause: report.failure.cause } } };
}

/** A copy of the bundle and its maps in a directory of its own, with `pipeline` as its pipeline unit's cache file (none when undefined). */
function copyWith(name: string, pipeline: Buffer | undefined): string {
  const dir = mkdtempSync(join(work, `${name}-`));
  for (const f of readdirSync(DIST)) if (f === 'gomodprobe.mjs' || f.endsWith('.map')) copyFileSync(join(DIST, f), join(dir, f));
  if (pipeline) writeFileSync(join(dir, 'gomodprobe.pipeline.v8cache'), pipeline);
  return join(dir, 'gomodprobe.mjs');
}

const cacheFile = readFileSync(join(DIST, 'gomodprobe.pipeline.v8cache'));
/** The cache file's parts: its header line, the unit's source (its length is the header's last field), V8's data. */
const headerEnd = cacheFile.indexOf(10) + 1;
const sourceEnd = headerEnd + Number(cacheFile.toString('latin1', 0, headerEnd - 1).split(' ').pop());
const EXPECTED = { exit: 13, verdict: 'fail', failure: { stage: 'proxy', cause: 'proxy.off' } };

describe("the units' V8 code caches", () => {
  it('are built beside the bundle for the pipeline and undici, each headed by its unit and source', () => {
    const caches = readdirSync(DIST).filter((f) => f.endsWith('.v8cache')).sort();
    expect(caches).toEqual(expect.arrayContaining(['gomodprobe.pipeline.v8cache', 'gomodprobe.undici.v8cache']));
    expect(cacheFile.toString('latin1', 0, headerEnd)).toMatch(/^gomodprobe-v8cache 2 pipeline [0-9a-f]{64} \d+\n$/);
    // The source as the unit loader compiles it (names kept), then V8's data.
    expect(cacheFile.toString('utf8', headerEnd, sourceEnd).includes('function loadTrustStore(')).toBe(true);
    expect(cacheFile.length - sourceEnd).toBeGreaterThan(100_000);
  });

  it("are accepted by this node under the image's node flags, and say so in report.json", () => {
    const r = offlineRun(join(DIST, 'gomodprobe.mjs'), FLAGS);
    expect(r.verdict, r.stderr).toEqual(EXPECTED);
    expect(r.report.runtime).toMatchObject({ node: process.version, v8: process.versions.v8 });
    // A run without network hops compiles the pipeline only.
    expect(r.report.runtime.codeCache).toEqual({ pipeline: { cache: 'accepted', bytes: cacheFile.length, ms: expect.any(Number) } });
  });

  it('are rejected by V8 under other flags (node run without the image\'s), and the verdict is the same', () => {
    const r = offlineRun(join(DIST, 'gomodprobe.mjs'), []);
    expect(r.verdict, r.stderr).toEqual(EXPECTED);
    expect(r.report.runtime.codeCache?.['pipeline']).toMatchObject({ cache: 'rejected', bytes: cacheFile.length });
  });

  const imageNode = imageNodeBin();
  it.runIf(imageNode !== undefined)("are rejected by another node's V8 (the image's Node, when installed), and the verdict is the same", () => {
    const r = offlineRun(join(DIST, 'gomodprobe.mjs'), FLAGS, imageNode);
    expect(r.verdict, r.stderr).toEqual(EXPECTED);
    expect(r.report.runtime.node).not.toBe(process.version);
    expect(r.report.runtime.codeCache?.['pipeline']).toMatchObject({ cache: 'rejected' });
  });

  const damaged: [string, Buffer | undefined, string][] = [
    ['no cache file (the bundle alone)', undefined, 'absent'],
    ["another build's (its source's hash differs)", Buffer.concat([Buffer.from(cacheFile.toString('latin1', 0, headerEnd).replace(/ ([0-9a-f])/, (_, c: string) => ` ${c === '0' ? '1' : '0'}`), 'latin1'), cacheFile.subarray(headerEnd)]), 'stale'],
    ['cut short inside the source', cacheFile.subarray(0, sourceEnd - 10), 'stale'],
    ["cut short inside V8's data", cacheFile.subarray(0, sourceEnd + 1000), 'rejected'],
    ["V8's data replaced by other bytes", Buffer.concat([cacheFile.subarray(0, sourceEnd), Buffer.alloc(cacheFile.length - sourceEnd, 0x5a)]), 'rejected'],
    ['an empty file', Buffer.alloc(0), 'stale'],
  ];
  for (const [what, file, state] of damaged) {
    it(`are not used when ${what} (${state}): the unit compiles from source, the verdict is the same`, () => {
      const r = offlineRun(copyWith(state, file), FLAGS);
      expect(r.verdict, r.stderr).toEqual(EXPECTED);
      expect(r.report.runtime.codeCache?.['pipeline']).toMatchObject({ cache: state, bytes: file?.length ?? 0 });
    });
  }

  it("keep a bug's place in src/: a frame of the pipeline compiled from its cache maps through the unit's source map", () => {
    // As build.test.ts injects it (pino calls os.hostname() when the run's logger is made), under the image's flags.
    const inject = 'data:text/javascript,import os from "node:os"; os.hostname = () => { throw new TypeError("injected by the code cache test") };';
    const r = spawnSync(process.execPath, [...FLAGS, '--import', inject, join(DIST, 'gomodprobe.mjs'), '--module', 'example.com/m@v1.0.0', '--report-dir', join(work, 'bug')], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: '/usr/bin:/bin', HOME: work, GOPROXY: 'off', GOSUMDB: 'off', GOFLAGS: '' },
    });
    expect(r.status, r.stderr).toBe(1);
    const m = /^gomodprobe: internal error: injected by the code cache test \(at src\/report\/logger\.ts:(\d+):\d+\)\n$/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(readFileSync(join(REPO_DIR, 'src/report/logger.ts'), 'utf8').split('\n')[Number(m![1]) - 1]).toMatch(/from 'pino'/);
  });
});
