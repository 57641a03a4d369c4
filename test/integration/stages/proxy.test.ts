// The proxy stage end to end against the lab GOPROXY: go's TryProxies walk (comma entries fall through on
// 404/410 only, pipe entries on any error, the best error reported), direct/off, GOPRIVATE/GONOPROXY,
// every status cause, bodies go cannot parse, and the module path escaping on the wire.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LabTarget } from '../../../src/lab/target.js';
import { cleanupRuns, LAB_MODULE, LAB_NAMES, probeLab, resetLab, startLab, type ProbeRun } from './harness.js';

let lab: LabTarget;
beforeAll(async () => {
  lab = await startLab();
});
afterEach(() => resetLab(lab));
afterAll(async () => {
  await lab?.close();
  cleanupRuns();
});

interface Attempt {
  entry: string;
  separator: ',' | '|';
  status?: number;
  outcome: 'ok' | 'not-exist' | 'error';
  cause?: string;
  goError?: string;
}
interface ModuleReport {
  path: string;
  query: string;
  version?: string;
  servedBy?: string;
  info?: Attempt[];
  mod?: Attempt[];
  requests: string[];
  failure?: { cause: string; op: string };
}

const AT = `${LAB_MODULE}@v1.1.0`;
const modules = (run: ProbeRun): ModuleReport[] => run.stage('proxy').evidence['modules'] as ModuleReport[];
const closedProxy = (): string => `https://${LAB_NAMES.proxy}:${lab.closedPort}`;

function expectProxyFailure(run: ProbeRun, cause: string, target?: string): void {
  expect(run.exitCode).toBe(13);
  expect(run.report.failure).toMatchObject({ stage: 'proxy', cause });
  if (target !== undefined) expect(run.report.failure!.target).toBe(target);
  expect(run.report.stages.map((s) => `${s.stage}:${s.status}`)).toEqual(['config:pass', 'dns:pass', 'tcp:pass', 'tls:pass', 'proxy:fail']);
  expect(run.termination).toContain(`FAIL at stage proxy: ${cause}`);
  expect(run.report.failure!.hint).not.toBe('');
}

describe('proxy stage: the walk', () => {
  it('passes and reports the entry that served the module and every request made', async () => {
    const run = await probeLab(lab);
    expect(run.exitCode).toBe(0);
    const [m] = modules(run);
    expect(m).toMatchObject({ path: LAB_MODULE, query: 'v1.1.0', version: 'v1.1.0', servedBy: lab.proxyURL });
    expect(m!.requests).toEqual([`${lab.proxyURL}/${LAB_MODULE}/@v/v1.1.0.info`, `${lab.proxyURL}/${LAB_MODULE}/@v/v1.1.0.mod`]);
    expect(m!.info).toEqual([expect.objectContaining({ entry: lab.proxyURL, separator: ',', outcome: 'ok' })]);
  });

  it('404 on the only entry: proxy.not_found with go\'s "reading <url>: 404" and the server\'s plain-text detail', async () => {
    lab.goproxy.faults = { status: 404 };
    const run = await probeLab(lab);
    expectProxyFailure(run, 'proxy.not_found', `${lab.proxyURL}/${LAB_MODULE}/@v/v1.1.0.info`);
    expect(run.report.failure!.goError).toBe(`${AT}: reading ${lab.proxyURL}/${LAB_MODULE}/@v/v1.1.0.info: 404 Not Found\n\tserver response: fault: 404 for /${LAB_MODULE}/@v/v1.1.0.info`);
  });

  it('410 on the only entry: proxy.gone', async () => {
    lab.goproxy.faults = { status: 410 };
    const run = await probeLab(lab);
    expectProxyFailure(run, 'proxy.gone');
    expect(run.report.failure!.goError).toContain(': 410 Gone');
  });

  it('404 then ",direct": go goes to the origin, and the direct error is the one reported', async () => {
    lab.goproxy.faults = { status: 404 };
    const run = await probeLab(lab, { env: { GOPROXY: `${lab.proxyURL},direct` } });
    // lab.test does not resolve: the origin go would dial is named.
    expectProxyFailure(run, 'proxy.dns.nxdomain', 'lab.test');
    const [m] = modules(run);
    expect(m!.info!.map((a) => [a.entry, a.separator, a.outcome, a.status ?? a.cause])).toEqual([
      [lab.proxyURL, ',', 'not-exist', 404],
      ['direct', ',', 'error', 'proxy.dns.nxdomain'],
    ]);
    expect(m!.requests).toContain(`https://${LAB_MODULE}?go-get=1`);
    expect(run.report.failure!.goError).toMatch(
      new RegExp(`^${AT}: unrecognized import path "${LAB_MODULE}": https fetch: Get "https://${LAB_MODULE}\\?go-get=1": dial tcp: lookup lab\\.test on 127\\.0\\.0\\.1:\\d+: no such host$`),
    );
  });

  it('404 then ",off": go stops with "module lookup disabled by GOPROXY=off"', async () => {
    lab.goproxy.faults = { status: 404 };
    const run = await probeLab(lab, { env: { GOPROXY: `${lab.proxyURL},off` } });
    expectProxyFailure(run, 'proxy.off');
    expect(run.report.failure!.goError).toBe(`${AT}: module lookup disabled by GOPROXY=off`);
    expect(modules(run)[0]!.info!.map((a) => a.outcome)).toEqual(['not-exist', 'not-exist']);
  });

  it('a 500 on a comma entry stops the walk: the next entry is never asked', async () => {
    lab.goproxy.faults = { status: 500 };
    const run = await probeLab(lab, { env: { GOPROXY: `${lab.proxyURL},${closedProxy()}` } });
    expectProxyFailure(run, 'proxy.server_error');
    expect(modules(run)[0]!.info).toHaveLength(1);
    expect(run.report.failure!.goError).toContain(': 500 Internal Server Error');
  });

  it('"|" falls through on a 500 to a dead second proxy, and go reports the later proxy error', async () => {
    lab.goproxy.faults = { status: 500 };
    const run = await probeLab(lab, { env: { GOPROXY: `${lab.proxyURL}|${closedProxy()}` } });
    expectProxyFailure(run, 'proxy.tcp.refused', `${LAB_NAMES.proxy}:${lab.closedPort}`);
    const [m] = modules(run);
    expect(m!.info!.map((a) => [a.separator, a.outcome, a.status ?? a.cause])).toEqual([
      ['|', 'error', 500],
      [',', 'error', 'proxy.tcp.refused'],
    ]);
    expect(run.report.failure!.goError).toBe(`${AT}: Get "${closedProxy()}/${LAB_MODULE}/@v/v1.1.0.info": dial tcp 127.0.0.1:${lab.closedPort}: connect: connection refused`);
  });

  it('a dead first entry with "|": stages 1-3 only warn, and the next entry serves the module', async () => {
    const run = await probeLab(lab, { env: { GOPROXY: `${closedProxy()}|${lab.proxyURL}` } });
    expect(run.exitCode).toBe(0);
    expect(run.stage('tcp').findings.map((f) => f.code)).toContain('tcp.survivable_failure');
    const [m] = modules(run);
    expect(m!.servedBy).toBe(lab.proxyURL);
    expect(run.stage('proxy').findings.map((f) => f.code)).toContain('proxy.fallthrough_error');
  });

  it('a dead first entry with ",": go does not fall through on a network error, so tcp fails', async () => {
    const run = await probeLab(lab, { env: { GOPROXY: `${closedProxy()},${lab.proxyURL}` } });
    expect(run.exitCode).toBe(11);
    expect(run.report.failure).toMatchObject({ stage: 'tcp', cause: 'tcp.refused' });
  });
});

describe('proxy stage: what the entry answers', () => {
  for (const status of [401, 403]) {
    it(`${status}: proxy.auth_required, pointing at the credentials go would send`, async () => {
      lab.goproxy.faults = { status };
      const run = await probeLab(lab);
      expectProxyFailure(run, 'proxy.auth_required');
      expect(run.report.failure!.hint).toMatch(/\.netrc/);
      expect(run.report.failure!.goError).toContain(`: ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}`);
    });
  }

  it('a captive portal\'s HTML page: proxy.bad_response with go\'s JSON error', async () => {
    lab.goproxy.faults = { html: true };
    const run = await probeLab(lab);
    expectProxyFailure(run, 'proxy.bad_response');
    expect(run.report.failure!.goError).toBe(`${AT}: invalid response from proxy "${lab.proxyURL}": invalid character '<' looking for beginning of value`);
    expect(run.report.failure!.hint).toMatch(/HTML|captive/);
    expect(run.report.failure!.detail).toContain('<!DOCTYPE html>');
  });

  it('an odd Content-Type on a 200 is a finding, not a failure (go ignores it)', async () => {
    lab.goproxy.faults = { contentType: 'application/octet-stream' };
    const run = await probeLab(lab);
    expect(run.exitCode).toBe(0);
    const f = run.stage('proxy').findings.find((x) => x.code === 'proxy.odd_content_type');
    expect(f).toMatchObject({ severity: 'info', target: LAB_MODULE });
    expect(f!.message).toContain('application/octet-stream');
  });

  it('a proxy that accepts and never answers: proxy.http.timeout within --timeout, never a hang', async () => {
    lab.goproxy.faults = { silent: true };
    const run = await probeLab(lab, { timeout: '1s' });
    expectProxyFailure(run, 'proxy.http.timeout', `${lab.proxyURL}/${LAB_MODULE}/@v/v1.1.0.info`);
    // go's .info is asked once and never retried; the zip walk starts beside it (the version is known).
    expect(lab.goproxy.requests.filter((r) => r.endsWith('.info'))).toEqual([`/${LAB_MODULE}/@v/v1.1.0.info`]);
    expect(lab.goproxy.requests.every((r) => r === `/${LAB_MODULE}/@v/v1.1.0.info` || r === `/${LAB_MODULE}/@v/v1.1.0.zip`)).toBe(true);
  });

  it('GOPROXY=off: proxy.off and no host to check in stages 1-3', async () => {
    const run = await probeLab(lab, { env: { GOPROXY: 'off' } });
    expectProxyFailure(run, 'proxy.off');
    expect(run.report.failure!.goError).toBe(`${AT}: module lookup disabled by GOPROXY=off`);
    expect(run.stage('config').findings.map((f) => f.code)).toContain('config.no_network_hops');
    expect(lab.goproxy.requests).toEqual([]);
  });
});

describe('proxy stage: private modules go direct', () => {
  it('GOPRIVATE: the module\'s origin is the first hop, and the GOPROXY is never asked', async () => {
    const run = await probeLab(lab, { env: { GOPRIVATE: 'lab.test' } });
    expect(run.exitCode).toBe(10);
    expect(run.report.failure).toMatchObject({ stage: 'dns', cause: 'dns.nxdomain', target: 'lab.test' });
    const hops = run.stage('config').evidence['firstHops'] as { origin: string; roles: string[] }[];
    expect(hops).toEqual([expect.objectContaining({ origin: 'https://lab.test', roles: [`direct origin of ${LAB_MODULE}`] })]);
    expect(lab.goproxy.requests).toEqual([]);
  });

  it('GONOPROXY picks out one module: the other still goes to the proxy', async () => {
    lab.dns.set('lab.test', { a: ['127.0.0.1'] });
    const run = await probeLab(lab, { env: { GONOPROXY: 'lab.test/Upper' }, modules: [AT, 'lab.test/Upper@v1.0.0-RC1'] });
    const hops = run.stage('config').evidence['firstHops'] as { origin: string; roles: string[] }[];
    expect(hops.map((h) => [h.origin, h.roles])).toEqual([
      [lab.proxyURL, [`GOPROXY entry 2 for ${LAB_MODULE}`]],
      ['https://lab.test', ['direct origin of lab.test/Upper']],
    ]);
    // Nothing listens on lab.test:443 here: the direct fetch go would make fails at tcp.
    expect(run.report.failure).toMatchObject({ stage: 'tcp', cause: 'tcp.refused', target: 'lab.test:443' });
  });

  it('GOPROXY=off with GOPRIVATE: private modules are still fetched directly', async () => {
    const run = await probeLab(lab, { env: { GOPROXY: 'off', GOPRIVATE: 'lab.test' } });
    expect(run.report.failure).toMatchObject({ stage: 'dns', target: 'lab.test' });
  });
});

describe('proxy stage: requests on the wire', () => {
  it('escapes upper case as go does: lab.test/Upper v1.0.0-RC1 -> /lab.test/%21upper/@v/v1.0.0-%21r%21c1 (sumdb lookups keep "!")', async () => {
    const run = await probeLab(lab, {
      modules: ['lab.test/Upper@v1.0.0-RC1'],
      // The checksum database through the proxy, so its requests are seen by the same server.
      env: { GOSUMDB: lab.sumdb.verifierKey },
    });
    expect(run.exitCode).toBe(0);
    expect(lab.goproxy.rawRequests).toEqual(expect.arrayContaining([
      '/lab.test/%21upper/@v/v1.0.0-%21r%21c1.info',
      '/lab.test/%21upper/@v/v1.0.0-%21r%21c1.mod',
      '/lab.test/%21upper/@v/v1.0.0-%21r%21c1.zip',
      `/sumdb/${LAB_NAMES.sum}/lookup/lab.test/!upper@v1.0.0-!r!c1`,
    ]));
    expect(modules(run)[0]!.version).toBe('v1.0.0-RC1');
  });

  it('@latest: @v/list, the highest release, then its .info', async () => {
    const run = await probeLab(lab, { modules: [`${LAB_MODULE}@latest`] });
    expect(run.exitCode).toBe(0);
    const [m] = modules(run);
    expect(m).toMatchObject({ query: 'latest', version: 'v1.1.0' });
    expect(m!.requests.slice(0, 2)).toEqual([`${lab.proxyURL}/${LAB_MODULE}/@v/list`, `${lab.proxyURL}/${LAB_MODULE}/@v/v1.1.0.info`]);
    expect(lab.goproxy.requests).not.toContain(`/${LAB_MODULE}/@latest`);
  });

  it('@latest when the list is empty: the proxy\'s @latest answers', async () => {
    lab.goproxy.faults = { status: 200, statusFor: '/list' };
    const run = await probeLab(lab, { modules: [`${LAB_MODULE}@latest`] });
    expect(run.exitCode).toBe(0);
    expect(modules(run)[0]!.requests.slice(0, 3)).toEqual([
      `${lab.proxyURL}/${LAB_MODULE}/@v/list`,
      `${lab.proxyURL}/${LAB_MODULE}/@latest`,
      `${lab.proxyURL}/${LAB_MODULE}/@v/v1.1.0.info`,
    ]);
  });
});
