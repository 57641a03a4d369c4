// --go-version end to end against the loopback lab: the version the verdict is for shows in report.json,
// metrics.prom and the log with where it came from; GODEBUG is judged as that go judges it at start-up.
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

describe('--go-version', () => {
  it('unset: verdicts for the newest modelled go, said so as an info finding, in settings and in metrics', async () => {
    const run = await probeLab(lab, { env: { GOMODPROBE_GO_VERSION: undefined } });
    expect(run.exitCode).toBe(0);
    expect(run.report.settings.goVersion).toEqual({ version: 'go1.27.x', source: 'default' });
    expect(run.stage('config').findings).toContainEqual(expect.objectContaining({
      code: 'config.go_version', severity: 'info', message: "assuming go1.27.x; set --go-version to the build image's go",
    }));
    expect(run.metrics).toContain('gomodprobe_go_info{go_version="go1.27.x",source="default"} 1');
  });

  it('from the flag (built CLI) and from GOMODPROBE_GO_VERSION', async () => {
    const flag = await probeLab(lab, { mode: 'cli', args: ['--go-version', 'go1.24.4'] });
    expect(flag.exitCode).toBe(0);
    expect(flag.report.settings.goVersion).toEqual({ version: 'go1.24.4', source: '--go-version' });
    expect(flag.metrics).toContain('gomodprobe_go_info{go_version="go1.24.4",source="--go-version"} 1');
    const configDone = flag.lines.find((l) => l['event'] === 'stage.finished' && l['stage'] === 'config') as { findings: { code: string; message: string }[] };
    expect(configDone.findings).toContainEqual(expect.objectContaining({ code: 'config.go_version', message: 'verdicts for go1.24.4' }));
    const env = await probeLab(lab, { env: { GOMODPROBE_GO_VERSION: '1.23' } });
    expect(env.report.settings.goVersion).toEqual({ version: 'go1.23.x', source: 'GOMODPROBE_GO_VERSION' });
  });

  it('outside go1.21–go1.27: exit 2 with one line naming the range', async () => {
    const run = await probeLab(lab, { mode: 'cli', args: ['--go-version', '1.20'] }).catch((err: unknown) => err);
    // No report is written for a flag the probe refuses: the harness throws with what it saw.
    expect(String(run)).toContain('--go-version: go1.20 is outside the modelled range go1.21–go1.27');
  });
});

describe('the User-Agent of the modelled go (cmd/go/internal/web/http.go)', () => {
  it.each([
    ['1.26', 'Go-http-client/1.1'],
    ['1.27.3', 'GoCommand/1 (+https://go.dev/cmd/go)'],
  ])('go%s sends %j to the proxy', async (version, userAgent) => {
    lab.forgetRequests();
    const run = await probeLab(lab, { args: ['--go-version', version] });
    expect(run.exitCode).toBe(0);
    expect(lab.goproxy.userAgents.length).toBeGreaterThan(0);
    expect(new Set(lab.goproxy.userAgents)).toEqual(new Set([userAgent]));
  });
});

describe('GODEBUG as the modelled go reads it', () => {
  it('go1.27: a removed setting at its old value fails config (exit 2) with go\'s own text', async () => {
    const run = await probeLab(lab, { mode: 'cli', args: ['--go-version', '1.27'], env: { GODEBUG: 'http2client=0,tlskyber=0' } });
    expect(run.exitCode).toBe(2);
    expect(run.report.failure).toMatchObject({
      stage: 'config', cause: 'config.invalid', target: 'GODEBUG',
      goError: 'fatal error: removed GODEBUG "tlskyber" set to old value "0" in environment (https://go.dev/doc/godebug#go-124)',
    });
    expect(run.report.failure!.hint).toContain('remove tlskyber=0 from GODEBUG');
    expect(run.report.stages.map((s) => s.stage)).toEqual(['config']);
  });

  it('go1.24: the same GODEBUG passes, with a note on what http2client=0 does', async () => {
    const run = await probeLab(lab, { args: ['--go-version', '1.24'], env: { GODEBUG: 'http2client=0,tlskyber=0' } });
    expect(run.exitCode).toBe(0);
    expect(run.stage('config').findings).toContainEqual(expect.objectContaining({ code: 'config.godebug', message: expect.stringMatching(/^http2client=0: go1\.24 speaks HTTP\/1\.1/) }));
  });
});

describe('GOAUTH by go version', () => {
  it('go1.24: a GOAUTH go refuses fails config with go\'s text', async () => {
    const run = await probeLab(lab, { args: ['--go-version', '1.24'], env: { GOAUTH: 'off;netrc' } });
    expect(run.exitCode).toBe(2);
    expect(run.report.failure).toMatchObject({
      stage: 'config', cause: 'config.invalid', target: 'GOAUTH',
      goError: 'go: GOAUTH=off cannot be combined with other authentication commands (GOAUTH=off;netrc)',
    });
  });

  it('go1.23: GOAUTH does not exist, so it is a warning, and the run goes on', async () => {
    const run = await probeLab(lab, { args: ['--go-version', '1.23'], env: { GOAUTH: 'off;netrc' } });
    expect(run.exitCode).toBe(0);
    expect(run.stage('config').findings).toContainEqual(expect.objectContaining({ code: 'config.goauth_ignored', severity: 'warn' }));
  });

  it('go1.27: a GOAUTH command is announced (the probe runs it too), and its failure is no secret', async () => {
    const run = await probeLab(lab, { args: ['--go-version', '1.27'], env: { GOAUTH: '/bin/false' } });
    expect(run.exitCode).toBe(0);
    expect(run.stage('config').findings).toContainEqual(expect.objectContaining({ code: 'config.goauth', message: expect.stringContaining('"/bin/false"') }));
  });
});
