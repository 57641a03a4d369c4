// The pipeline around the stages, end to end: the exit code names the first failing stage (also from the
// real bundle), --expect and --must-block for NetworkPolicy regression runs, SIGTERM mid-stage, and the
// modules a go.mod asks for.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StageName } from '../../../src/causes.js';
import type { LabTarget } from '../../../src/lab/target.js';
import { CLI, cleanupRuns, LAB_MODULE, LAB_NAMES, probeLab, resetLab, startLab } from './harness.js';

let lab: LabTarget;
beforeAll(async () => {
  lab = await startLab();
});
afterEach(() => resetLab(lab));
afterAll(async () => {
  await lab?.close();
  cleanupRuns();
});

const BREAKS: [Exclude<StageName, 'config'>, number, string][] = [
  ['dns', 10, 'dns.nxdomain'],
  ['tcp', 11, 'tcp.refused'],
  ['tls', 12, 'tls.unknown_authority'],
  ['proxy', 13, 'proxy.bad_response'],
  ['sumdb', 14, 'sumdb.bad_signature'],
  ['redirect', 15, 'redirect.tcp.refused'],
];

describe('the built CLI (node dist/gomodprobe.mjs)', () => {
  it('passes against the lab: every stage, exit 0, a one-line termination message', async () => {
    const run = await probeLab(lab, { mode: 'cli' });
    expect(run.exitCode).toBe(0);
    expect(run.report.stages.map((s) => `${s.stage}:${s.status}`)).toEqual(['config:pass', 'dns:pass', 'tcp:pass', 'tls:pass', 'proxy:pass', 'sumdb:pass', 'redirect:pass']);
    expect(run.termination).toMatch(/^gomodprobe: PASS: 7\/7 stages passed/);
    expect(run.lines.at(-1)).toMatchObject({ event: 'run.finished', verdict: 'pass', exitCode: 0 });
  });

  it('report.json shows durations as go writes them and GOSUMDB with its space', async () => {
    const run = await probeLab(lab, { mode: 'cli', args: ['--deadline', '90s'] });
    expect(run.report.settings).toMatchObject({ timeout: '2s', deadline: '1m30s' });
    const goEnv = (run.stage('config').evidence['goEnv'] as Record<string, { value: string }>)['GOSUMDB']!.value;
    expect(goEnv).toMatch(/^\S+ https:\/\/\S+$/);
    expect(JSON.stringify(run.report)).not.toContain('%20');
  });

  it('says what it checks at the start: a run.started line with GOPROXY, GOSUMDB, the modules and how each first hop is reached', async () => {
    const run = await probeLab(lab, { mode: 'cli', env: { HTTPS_PROXY: 'http://user:hunter2@127.0.0.1:1', NO_PROXY: LAB_NAMES.proxy } });
    const started = run.lines.find((l) => l['event'] === 'run.started')!;
    expect(started).toMatchObject({
      goproxy: { value: lab.proxyURL, source: 'env' },
      gosumdb: { source: 'env' },
      moduleCount: 1,
      modules: [`${LAB_MODULE}@v1.1.0`],
      hops: [{ origin: expect.stringContaining(LAB_NAMES.proxy), via: expect.stringMatching(/^direct \(.*NO_PROXY/) }],
    });
    // Logged after the config stage decided it, before any network stage.
    const order = run.lines.map((l) => `${String(l['event'])}:${String(l['stage'] ?? '')}`);
    expect(order.indexOf('run.started:')).toBeGreaterThan(order.indexOf('stage.finished:config'));
    expect(order.indexOf('run.started:')).toBeLessThan(order.indexOf('stage.started:dns'));
    expect(JSON.stringify(started)).not.toContain('hunter2');
  });

  for (const [stage, code, cause] of BREAKS) {
    it(`broken at ${stage}: exit ${code}, cause ${cause}, and the stages after it never run`, async () => {
      lab.breakAt(stage);
      const run = await probeLab(lab, { mode: 'cli' });
      expect(run.exitCode).toBe(code);
      expect(run.report).toMatchObject({ exitCode: code, verdict: 'fail', failure: { stage, cause } });
      expect(run.report.stages.at(-1)!.stage).toBe(stage);
      expect(run.termination.split('\n')[0]).toBe(`gomodprobe: FAIL at stage ${stage}: ${cause} (exit ${code})`);
      expect(run.metrics).toContain('gomodprobe_');
      resetLab(lab);
    });
  }

  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`${signal} in the middle of a stage: exit ${code} (128+signal), verdict error, cause interrupted, every output says so`, async () => {
      lab.goproxy.faults = { silent: true };
      const run = await probeLab(lab, { mode: 'cli', timeout: '20s', args: ['--expect', 'fail:proxy'], signalAt: { stage: 'proxy', signal } });
      expect(run.exitCode).toBe(code);
      expect(run.report).toMatchObject({ verdict: 'error', exitCode: code, reason: 'interrupted', error: { code: 'interrupted', message: `received ${signal}` } });
      expect(run.report.failure).toMatchObject({ stage: 'proxy', cause: 'interrupted' });
      // An interrupted stage is never the failure --expect asked for.
      expect(run.report.expect).toMatchObject({ met: false });
      expect(run.report.stages.map((s) => `${s.stage}:${s.status}`)).toEqual(['config:pass', 'dns:pass', 'tcp:pass', 'tls:pass', 'proxy:fail']);
      expect(run.termination.split('\n')[0]).toBe(`gomodprobe: ERROR: interrupted (received ${signal}) during stage proxy (exit ${code})`);
      expect(run.metrics).toContain(`gomodprobe_exit_code ${code}`);
      expect(run.metrics).toContain('gomodprobe_run_success 0');
      expect(run.metrics).toContain('gomodprobe_error_info{code="interrupted"} 1');
      // Well before the 20 s the silent proxy would otherwise have taken.
      expect(run.elapsedMs).toBeLessThan(10_000);
      expect(run.lines.at(-1)).toMatchObject({ event: 'run.finished', verdict: 'error', exitCode: code });
      // Atomic: no temporary file left beside the reports.
      expect(readdirSync(join(run.dir, 'out')).sort()).toEqual(['gomodprobe.ndjson', 'metrics.prom', 'report.json']);
    });
  }

  it('--expect fail:config is refused at the command line (exit 2, one line)', () => {
    const r = spawnSync(process.execPath, [CLI, '--expect', 'fail:config'], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('fail:config');
  });
});

describe('--expect: the NetworkPolicy regression mode', () => {
  it('fail:tcp when tcp is the first failure: exit 0, the expectation in the report and the message', async () => {
    lab.breakAt('tcp');
    const run = await probeLab(lab, { args: ['--expect', 'fail:tcp'] });
    expect(run.exitCode).toBe(0);
    expect(run.report.expect).toEqual({ expected: 'fail:tcp', firstFailedStage: 'tcp', met: true });
    expect(run.termination.split('\n')[0]).toMatch(/^gomodprobe: PASS: expected fail:tcp, first failed stage tcp: tcp\.refused/);
  });

  it('fail:dns when tcp fails instead: exit 3', async () => {
    lab.breakAt('tcp');
    const run = await probeLab(lab, { args: ['--expect', 'fail:dns'] });
    expect(run.exitCode).toBe(3);
    expect(run.report.expect).toEqual({ expected: 'fail:dns', firstFailedStage: 'tcp', met: false });
    expect(run.termination.split('\n')[0]).toBe('gomodprobe: FAIL: expected fail:dns, but the first failed stage was tcp (exit 3)');
  });

  it('fail:redirect when everything passes: exit 3', async () => {
    const run = await probeLab(lab, { args: ['--expect', 'fail:redirect'] });
    expect(run.exitCode).toBe(3);
    expect(run.report.expect).toMatchObject({ firstFailedStage: null, met: false });
  });

  it('pass: exit 0 when all pass, 3 when a stage fails', async () => {
    expect((await probeLab(lab, { args: ['--expect', 'pass'] })).exitCode).toBe(0);
    lab.breakAt('sumdb');
    expect((await probeLab(lab, { args: ['--expect', 'pass'] })).exitCode).toBe(3);
  });

  it('a configuration go rejects is never "blocked as expected": exit 2', async () => {
    const run = await probeLab(lab, { env: { GOPROXY: 'myproxy' }, args: ['--expect', 'fail:dns'] });
    expect(run.exitCode).toBe(2);
    expect(run.report.verdict).toBe('error');
    expect(run.report.failure).toMatchObject({ stage: 'config', cause: 'config.invalid' });
    expect(run.report.failure!.goError).toBe('invalid proxy URL missing scheme: myproxy');
  });
});

describe('--must-block', () => {
  it('a closed port, and with --must-block-unresolvable-ok a name that does not resolve, are blocked: exit 0', async () => {
    lab.dns.set('forbidden.lab.test', { behaviour: 'nxdomain' });
    const run = await probeLab(lab, { args: ['--must-block', `127.0.0.1:${lab.closedPort}`, '--must-block', 'forbidden.lab.test', '--must-block-unresolvable-ok'] });
    expect(run.exitCode).toBe(0);
    expect(run.report.mustBlock).toEqual([
      expect.objectContaining({ target: `127.0.0.1:${lab.closedPort}`, blocked: true }),
      expect.objectContaining({ target: 'forbidden.lab.test:443', blocked: true }),
    ]);
  });

  it('a name that does not resolve, without --must-block-unresolvable-ok, is not tested: exit 4', async () => {
    lab.dns.set('forbidden.lab.test', { behaviour: 'nxdomain' });
    const run = await probeLab(lab, { args: ['--must-block', 'forbidden.lab.test'] });
    expect(run.exitCode).toBe(4);
    expect(run.report.mustBlock).toEqual([expect.objectContaining({ target: 'forbidden.lab.test:443', blocked: false, unresolved: true })]);
  });

  it('a reachable target: exit 4, even though every stage passed', async () => {
    const run = await probeLab(lab, { args: ['--must-block', `${LAB_NAMES.proxy}:${lab.goproxy.port}`] });
    expect(run.exitCode).toBe(4);
    expect(run.report.stages.every((s) => s.status === 'pass')).toBe(true);
    expect(run.report.mustBlock).toEqual([expect.objectContaining({ target: `${LAB_NAMES.proxy}:${lab.goproxy.port}`, blocked: false })]);
    expect(run.termination).toContain(`reachable but must be blocked: ${LAB_NAMES.proxy}:${lab.goproxy.port}`);
  });
});

describe('--gomod and --max-modules', () => {
  const GOMOD = [
    'module example.com/app',
    '',
    'go 1.21',
    '',
    'require (',
    `\t${LAB_MODULE} v1.0.0`,
    '\tlab.test/Upper v1.0.0-RC1',
    '\tlab.test/renamed v0.1.0',
    '\tlab.test/local v0.0.0',
    ')',
    '',
    `replace lab.test/renamed v0.1.0 => ${LAB_MODULE} v1.1.0`,
    '',
    'replace lab.test/local => ./local',
    '',
  ].join('\n');

  it('probes the required modules, a replacement instead of what it replaces, and skips local replacements', async () => {
    const run = await probeLab(lab, { modules: [], files: { 'go.mod': GOMOD }, args: ['--gomod', '{dir}/go.mod'] });
    expect(run.exitCode).toBe(0);
    const planned = run.stage('config').evidence['modules'] as { path: string; version: string; source: string }[];
    expect(planned.map((m) => `${m.path}@${m.version}:${m.source}`)).toEqual([
      `${LAB_MODULE}@v1.0.0:gomod`,
      'lab.test/Upper@v1.0.0-RC1:gomod',
      `${LAB_MODULE}@v1.1.0:gomod`,
    ]);
    expect(run.stage('config').findings).toContainEqual(expect.objectContaining({ code: 'config.replaced_locally', target: 'lab.test/local' }));
    const probed = run.stage('proxy').evidence['modules'] as { path: string; version: string }[];
    expect(probed.map((m) => `${m.path}@${m.version}`)).toEqual([`${LAB_MODULE}@v1.0.0`, 'lab.test/Upper@v1.0.0-RC1', `${LAB_MODULE}@v1.1.0`]);
    const verified = run.stage('sumdb').evidence['modules'] as { path: string; version: string; zip: { match: boolean } }[];
    expect(verified.map((m) => [`${m.path}@${m.version}`, m.zip.match])).toEqual([
      [`${LAB_MODULE}@v1.0.0`, true],
      ['lab.test/Upper@v1.0.0-RC1', true],
      [`${LAB_MODULE}@v1.1.0`, true],
    ]);
    expect((run.stage('redirect').evidence['chains'] as unknown[]).length).toBe(3);
  });

  it('--max-modules bounds the work, with a finding', async () => {
    const run = await probeLab(lab, { modules: [], files: { 'go.mod': GOMOD }, args: ['--gomod', '{dir}/go.mod', '--max-modules', '2'] });
    expect(run.exitCode).toBe(0);
    expect((run.stage('proxy').evidence['modules'] as unknown[]).length).toBe(2);
    expect(run.stage('config').findings).toContainEqual(expect.objectContaining({ code: 'config.modules_capped' }));
  });

  it('one bad module among several fails its stage, named in the failure; the others are reported too', async () => {
    const run = await probeLab(lab, { modules: [`${LAB_MODULE}@v1.1.0`, `${LAB_MODULE}@v9.9.9`] });
    expect(run.exitCode).toBe(13);
    expect(run.report.failure).toMatchObject({ stage: 'proxy', cause: 'proxy.not_found' });
    expect(run.report.failure!.goError).toMatch(new RegExp(`^${LAB_MODULE}@v9\\.9\\.9: reading .*/@v/v9\\.9\\.9\\.info: 404 Not Found`));
    const probed = run.stage('proxy').evidence['modules'] as { path: string; query: string; version?: string }[];
    expect(probed.map((m) => m.version ?? `failed ${m.query}`)).toEqual(['v1.1.0', 'failed v9.9.9']);
  });

  it('a go.mod that cannot be read is a config failure (exit 2)', async () => {
    const run = await probeLab(lab, { modules: [], args: ['--gomod', '{dir}/missing/go.mod'] });
    expect(run.exitCode).toBe(2);
    expect(run.report.failure).toMatchObject({ stage: 'config', cause: 'config.bad_file' });
  });
});
