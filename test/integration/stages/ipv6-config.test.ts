// IPv6 literals in the Go environment, as each modelled go reads them (recorded from go 1.23.5 and 1.27.3
// with `go mod download` in an empty network namespace): values go refuses or cannot use fail the config
// stage with one clear line, never an internal error; go 1.26+ url.Parse refuses an unbracketed IPv6
// host in an http(s) URL (GODEBUG urlstrictcolons).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LabTarget } from '../../../src/lab/target.js';
import { cleanupRuns, probeLab, resetLab, startLab, type ProbeRun } from './harness.js';

let lab: LabTarget;
beforeAll(async () => {
  lab = await startLab();
});
afterEach(() => resetLab(lab));
afterAll(async () => {
  await lab?.close();
  cleanupRuns();
});

function expectConfigFailure(run: ProbeRun, cause: string, detail: RegExp, goError?: string): void {
  expect(run.exitCode, JSON.stringify(run.report.failure ?? run.stderr)).toBe(2);
  expect(run.report.failure).toMatchObject({ stage: 'config', cause });
  expect(run.report.failure!.detail).toMatch(detail);
  if (goError !== undefined) expect(run.report.failure!.goError).toBe(goError);
  expect(run.termination).toContain(`at stage config: ${cause}`);
}

describe('IPv6 literals in GOPROXY, GOSUMDB and HTTPS_PROXY, per go version', () => {
  it('GOPROXY with an unbracketed IPv6 address: go 1.23 fails to resolve "2001:db8:1:", go 1.27 refuses the URL', async () => {
    const old = await probeLab(lab, { env: { GOPROXY: 'https://2001:db8:1::50' }, args: ['--go-version', '1.23'] });
    // go 1.23.5: Get "https://2001:db8:1::50/…": dial tcp: lookup 2001:db8:1:: no such host
    expectConfigFailure(old, 'config.invalid', /without brackets: go reads the host as "2001:db8:1:"/, 'dial tcp: lookup 2001:db8:1:: no such host');
    const now = await probeLab(lab, { env: { GOPROXY: 'https://2001:db8:1::50' }, args: ['--go-version', '1.27'] });
    // go 1.27.3: lab.test/hello@v1.1.0: parse "https://2001:db8:1::50": invalid port ":db8:1::50" after host
    expectConfigFailure(now, 'config.invalid', /go rejects GOPROXY/, 'parse "https://2001:db8:1::50": invalid port ":db8:1::50" after host');
  });

  it('GOPROXY with a port beyond 65535: go accepts the URL and fails every dial', async () => {
    const run = await probeLab(lab, { env: { GOPROXY: 'https://[2001:db8:1::50]:99999' } });
    // go 1.23.5 and 1.27.3: dial tcp: address 99999: invalid port
    expectConfigFailure(run, 'config.invalid', /port 99999/, 'dial tcp: address 99999: invalid port');
  });

  it('GOPROXY hosts go dials but the probe cannot (an IPv6 zone, IPv4 in brackets): config.unsupported_url, not a guess', async () => {
    for (const goproxy of ['https://[fe80::1%25eth0]', 'https://[198.18.0.1]']) {
      const run = await probeLab(lab, { env: { GOPROXY: goproxy } });
      expectConfigFailure(run, 'config.unsupported_url', /cannot dial or check/);
    }
  });

  it('GOSUMDB whose URL has an unbracketed IPv6 address', async () => {
    const key = lab.sumdb.verifierKey;
    const run = await probeLab(lab, { env: { GOSUMDB: `${key} https://2001:db8:1::50/sumdb` }, args: ['--go-version', '1.23'] });
    expectConfigFailure(run, 'config.invalid', /GOSUMDB entry .* without brackets/);
    const strict = await probeLab(lab, { env: { GOSUMDB: `${key} https://2001:db8:1::50/sumdb` }, args: ['--go-version', '1.27'] });
    expectConfigFailure(strict, 'config.invalid', /invalid GOSUMDB URL: parse "https:\/\/2001:db8:1::50\/sumdb": invalid port ":db8:1::50" after host/);
  });

  it('HTTPS_PROXY=<IPv6>:<port> unbracketed (::1:port): go 1.23 uses it, go 1.27 ignores it (a finding), unless GODEBUG=urlstrictcolons=0', async () => {
    // On loopback, where nothing listens: the run fails at tcp, the plan is what counts.
    const env = { HTTPS_PROXY: `::1:${lab.closedPort}`, NO_PROXY: '' };
    const plan = (run: ProbeRun) => (run.stage('config').evidence['firstHops'] as { proxy?: string }[])[0]!.proxy;
    const old = await probeLab(lab, { env, args: ['--go-version', '1.23'] });
    expect(plan(old)).toBe(`http://[::1]:${lab.closedPort}/`);
    expect(old.report.failure).toMatchObject({ stage: 'tcp', target: `[::1]:${lab.closedPort}` });
    const now = await probeLab(lab, { env, args: ['--go-version', '1.27'] });
    expect(plan(now)).toBe('direct');
    expect(now.stage('config').findings).toContainEqual(expect.objectContaining({ code: 'config.proxy_env_ignored', message: expect.stringContaining('go ignores it: invalid proxy address') }));
    const compat = await probeLab(lab, { env: { ...env, GODEBUG: 'urlstrictcolons=0' }, args: ['--go-version', '1.27'] });
    expect(plan(compat)).toBe(`http://[::1]:${lab.closedPort}/`);
  });
});
