// The redirect stage end to end: the .zip request followed hop by hop the way go follows it (GET, at most
// 9 redirects, never https -> http on proxy traffic), every new host checked at dns/tcp/tls, and the
// Location header checked for what middleboxes do to it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GoproxyFixture } from '../../../src/lab/goproxy.js';
import { StorageFixture } from '../../../src/lab/storage.js';
import type { LabTarget } from '../../../src/lab/target.js';
import type { RedirectHop } from '../../../src/net/goweb.js';
import { cleanupRuns, LAB_MODULE, LAB_NAMES, probeLab, resetLab, startLab, type ProbeRun } from './harness.js';

let lab: LabTarget;
/** A plain-http GOPROXY (what an HTTP_PROXY forwards in absolute form, where it can touch the headers). */
let plainProxy: GoproxyFixture;
const extraStores: StorageFixture[] = [];

beforeAll(async () => {
  lab = await startLab({ forwardProxy: true });
  plainProxy = await GoproxyFixture.start({ modules: lab.modules });
});
afterEach(() => {
  resetLab(lab);
  plainProxy.faults = {};
  plainProxy.zipLocation = (escaped) => lab.storage.objectURL(LAB_NAMES.storage, escaped);
});
afterAll(async () => {
  await Promise.all(extraStores.map((s) => s.close()));
  await plainProxy?.close();
  await lab?.close();
  cleanupRuns();
});

interface Chain {
  path: string;
  version: string;
  servedBy?: string;
  hops: RedirectHop[];
  final?: { status: number; bytes: number; zip: boolean; truncated: boolean };
  locationCheck?: { url: string; viaProxy: string; proxied: { location?: string }; direct?: { status: number; location?: string }; directError?: string; rewritten: boolean };
}
interface Opened {
  origin: string;
  ok: boolean;
  via: string;
  addresses?: string[];
  tls?: { protocol: string; leaf?: string; issuer?: string };
  error?: { layer: string; cause: string };
}

const AT = `${LAB_MODULE}@v1.1.0`;
const ZIP_PATH = `/${LAB_MODULE}/@v/v1.1.0.zip`;
const chains = (run: ProbeRun): Chain[] => run.stage('redirect').evidence['chains'] as Chain[];
const hostsReached = (run: ProbeRun): Opened[] => run.stage('redirect').evidence['hostsReached'] as Opened[];
const storageOrigin = (): string => `https://${LAB_NAMES.storage}:${lab.storage.port}`;
/** A presigned URL as every output shows it: the signature is a credential and never printed. */
const SIGNATURE = 'X-Amz-Signature=0123456789abcdef';
const shown = (url: string): string => url.replaceAll(SIGNATURE, 'X-Amz-Signature=[REDACTED]');

function expectRedirectFailure(run: ProbeRun, cause: string): Chain {
  expect(run.exitCode).toBe(15);
  expect(run.report.failure).toMatchObject({ stage: 'redirect', cause });
  expect(run.report.stages.map((s) => `${s.stage}:${s.status}`)).toEqual(['config:pass', 'dns:pass', 'tcp:pass', 'tls:pass', 'proxy:pass', 'sumdb:pass', 'redirect:fail']);
  expect(run.termination).toContain(`FAIL at stage redirect: ${cause}`);
  expect(run.report.failure!.hint).not.toBe('');
  // The checksum database check could not hash the zip: it leaves the reason to this stage.
  const sumdb = (run.stage('sumdb').evidence['modules'] as { zip?: { deferred?: string } }[])[0]!;
  expect(sumdb.zip?.deferred).toMatch(/redirect stage/);
  return chains(run)[0]!;
}

async function extraStorage(tls?: { cert: string; key: string }): Promise<StorageFixture> {
  const s = await StorageFixture.start({ ...(tls ? { tls } : {}), objects: (key) => lab.goproxy.zipOf(key) });
  extraStores.push(s);
  return s;
}

describe('redirect stage: a good chain', () => {
  it('records every hop with the raw Location, the resolved URL and what changed, and checks the new host', async () => {
    const run = await probeLab(lab);
    expect(run.exitCode).toBe(0);
    const [c] = chains(run);
    const location = shown(lab.storage.objectURL(LAB_NAMES.storage, `${LAB_MODULE}/@v/v1.1.0.zip`));
    expect(JSON.stringify(run.report) + JSON.stringify(run.lines)).not.toContain(SIGNATURE);
    expect(c!.hops).toEqual([
      expect.objectContaining({ url: `${lab.proxyURL}${ZIP_PATH}`, status: 302, location, resolved: location, scheme: 'kept', host: 'changed', port: 'changed' }),
      expect.objectContaining({ url: location, status: 200 }),
    ]);
    expect(c!.final).toMatchObject({ status: 200, zip: true, truncated: false });
    expect(c!.final!.bytes).toBe(lab.goproxy.zipOf(`${LAB_MODULE}/@v/v1.1.0.zip`)!.length);
    // The storage host, first met through the redirect, went through dns, tcp and tls.
    const storage = hostsReached(run).find((o) => o.origin === storageOrigin());
    expect(storage).toMatchObject({ ok: true, via: 'direct', addresses: ['127.0.0.1'], tls: { leaf: `CN=${LAB_NAMES.proxy}` } });
    expect(run.stage('redirect').findings).toContainEqual(expect.objectContaining({ code: 'redirect.new_host' }));
    // GET, never HEAD: the object store saw the request.
    expect(lab.storage.requests).toContain(`/bucket${ZIP_PATH}`);
  });

  it('relative Locations drop scheme, host and port (the current ones carry over); 9 redirects are what go follows, and pass', async () => {
    lab.storage.faults = { chain: 7 };
    const run = await probeLab(lab);
    expect(run.exitCode).toBe(0);
    const hops = chains(run)[0]!.hops;
    expect(hops.filter((h) => h.location !== undefined)).toHaveLength(9);
    expect(hops[1]).toMatchObject({ location: expect.stringMatching(/^\/hop\/7\/bucket\//), host: 'dropped', port: 'dropped', scheme: 'dropped' });
    expect(new URL(hops[1]!.resolved!).origin).toBe(storageOrigin());
  });
});

describe('redirect stage: go\'s limits', () => {
  it('10 redirects: go stops with "stopped after 10 redirects", naming the raw Location', async () => {
    lab.storage.faults = { chain: 8 };
    const run = await probeLab(lab);
    const c = expectRedirectFailure(run, 'redirect.too_many');
    expect(c.hops).toHaveLength(10);
    const lastLocation = c.hops.at(-1)!.location!;
    expect(lastLocation).toMatch(/^\/bucket\/.*&final=1$/);
    expect(run.report.failure!.goError).toBe(`${AT}: Get "${lastLocation}": stopped after 10 redirects`);
  });

  it('a loop: redirect.loop, which go reports as too many redirects', async () => {
    lab.storage.faults = { loop: true };
    const run = await probeLab(lab);
    const c = expectRedirectFailure(run, 'redirect.loop');
    expect(c.hops).toHaveLength(10);
    expect(run.report.failure!.goError).toMatch(/: stopped after 10 redirects$/);
  });

  it('https -> http: refused with go\'s reason', async () => {
    const http = await extraStorage();
    const target = http.objectURL(LAB_NAMES.storage, `${LAB_MODULE}/@v/v1.1.0.zip`);
    lab.storage.faults = { redirectTo: target };
    const run = await probeLab(lab);
    const c = expectRedirectFailure(run, 'redirect.insecure');
    const from = lab.storage.objectURL(LAB_NAMES.storage, `${LAB_MODULE}/@v/v1.1.0.zip`);
    expect(run.report.failure!.goError).toBe(shown(`${AT}: Get "${target}": redirected from secure URL ${from} to insecure URL ${target}`));
    expect(c.hops.at(-1)).toMatchObject({ location: shown(target), scheme: 'changed' });
    expect(http.requests).toEqual([]);
  });

  it('https -> http: GOINSECURE does not apply to proxy traffic (go still refuses)', async () => {
    const http = await extraStorage();
    lab.storage.faults = { redirectTo: http.objectURL(LAB_NAMES.storage, `${LAB_MODULE}/@v/v1.1.0.zip`) };
    const run = await probeLab(lab, { env: { GOINSECURE: '*' } });
    expectRedirectFailure(run, 'redirect.insecure');
  });

  it('a Location go cannot parse: redirect.bad_location with net/http\'s text', async () => {
    lab.storage.faults = { redirectTo: 'https://sto rage.lab.test/x' };
    const run = await probeLab(lab);
    const c = expectRedirectFailure(run, 'redirect.bad_location');
    const from = lab.storage.objectURL(LAB_NAMES.storage, `${LAB_MODULE}/@v/v1.1.0.zip`);
    expect(run.report.failure!.goError).toBe(`${AT}: Get "${shown(from)}": failed to parse Location header "https://sto rage.lab.test/x": parse "https://sto rage.lab.test/x": invalid character " " in host name`);
    expect(c.hops.at(-1)).toMatchObject({ status: 302, location: 'https://sto rage.lab.test/x' });
  });

  it('an http GOPROXY may redirect anywhere, https included', async () => {
    const run = await probeLab(lab, { env: { GOPROXY: plainProxy.url(LAB_NAMES.proxy) } });
    expect(run.exitCode).toBe(0);
    expect(chains(run)[0]!.hops[0]).toMatchObject({ scheme: 'changed', host: 'changed' });
  });
});

describe('redirect stage: the new host fails', () => {
  it('refused storage port: redirect.tcp.refused naming the storage host', async () => {
    lab.breakAt('redirect');
    const run = await probeLab(lab);
    const c = expectRedirectFailure(run, 'redirect.tcp.refused');
    expect(run.report.failure!.target).toBe(`${LAB_NAMES.storage}:${lab.closedPort}`);
    expect(run.report.failure!.detail).toContain('[redirect.target_tcp]');
    expect(run.report.failure!.hint).toMatch(/allow egress to that host/);
    // The storage host comes from the server's redirect, not from GOPROXY: the hint says so.
    expect(run.report.failure!.hint).not.toMatch(/in GOPROXY/);
    expect(run.report.failure!.hint).toMatch(/check the port in the redirect Location from proxy\.lab\.test:\d+ \(the server's answer, not GOPROXY\)/);
    expect(c.hops).toEqual([expect.objectContaining({ status: 302, host: 'changed' })]);
    expect(hostsReached(run)).toContainEqual(expect.objectContaining({ origin: `https://${LAB_NAMES.storage}:${lab.closedPort}`, ok: false, error: expect.objectContaining({ layer: 'tcp', cause: 'tcp.refused' }) }));
  });

  it('a Location without the storage port: recorded as dropped, and go dials :443', async () => {
    lab.storage.faults = { redirectTo: `https://${LAB_NAMES.storage}/bucket${ZIP_PATH}` };
    const run = await probeLab(lab);
    const c = expectRedirectFailure(run, 'redirect.tcp.refused');
    expect(c.hops.at(-1)).toMatchObject({ scheme: 'kept', host: 'kept', port: 'dropped' });
    expect(run.report.failure!.target).toBe(`${LAB_NAMES.storage}:443`);
  });

  it('storage name that does not resolve: redirect.dns.nxdomain', async () => {
    lab.dns.set(LAB_NAMES.storage, { behaviour: 'nxdomain' });
    const run = await probeLab(lab);
    expectRedirectFailure(run, 'redirect.dns.nxdomain');
    expect(run.report.failure!.target).toBe(LAB_NAMES.storage);
    expect(run.report.failure!.goError).toMatch(new RegExp(`^${AT}: Get "https://${LAB_NAMES.storage}:\\d+/bucket/[^"]+": dial tcp: lookup ${LAB_NAMES.storage} on 127\\.0\\.0\\.1:\\d+: no such host$`));
  });

  it('storage with a certificate from an untrusted CA: redirect.tls.unknown_authority', async () => {
    const pki = lab.pki;
    const untrusted = await extraStorage({ cert: pki.privateLeaf.certPem, key: pki.privateLeaf.keyPem });
    lab.goproxy.zipLocation = (escaped) => untrusted.objectURL(LAB_NAMES.storage, escaped);
    const run = await probeLab(lab);
    expectRedirectFailure(run, 'redirect.tls.unknown_authority');
    expect(run.report.failure!.target).toBe(`${LAB_NAMES.storage}:${untrusted.port}`);
    expect(run.report.failure!.goError).toContain('tls: failed to verify certificate: x509: certificate signed by unknown authority');
  });
});

describe('redirect stage: what the last hop serves', () => {
  it('200 with an HTML page instead of the zip: redirect.not_zip', async () => {
    lab.storage.faults = { notZip: true };
    const run = await probeLab(lab);
    expect(run.exitCode).toBe(15);
    expect(run.report.failure).toMatchObject({ stage: 'redirect', cause: 'redirect.not_zip', target: expect.stringContaining(storageOrigin()) });
    expect(chains(run)[0]!.final).toMatchObject({ status: 200, zip: false });
  });

  it('403 from the object store: redirect.bad_status, after the redirect', async () => {
    lab.storage.faults = { status: 403 };
    const run = await probeLab(lab);
    expectRedirectFailure(run, 'redirect.bad_status');
    expect(run.report.failure!.detail).toContain('after 1 redirect');
    expect(run.report.failure!.goError).toMatch(/: 403 Forbidden$/);
  });
});

describe('redirect stage: Location through a proxy', () => {
  const viaForwardProxy = () => ({ GOPROXY: plainProxy.url(LAB_NAMES.proxy), HTTP_PROXY: lab.forwardProxy!.url() });

  it('a proxy that cuts Location to its path: location_truncated, and the direct answer shows the host it dropped', async () => {
    lab.forwardProxy!.faults = { stripLocationHost: true };
    const run = await probeLab(lab, { env: viaForwardProxy() });
    const c = expectRedirectFailure(run, 'redirect.location_truncated');
    expect(c.hops[0]).toMatchObject({ status: 302, location: expect.stringMatching(/^\/bucket\//), host: 'dropped' });
    expect(c.hops[1]).toMatchObject({ url: expect.stringContaining(`${plainProxy.url(LAB_NAMES.proxy)}/bucket/`), status: 404 });
    expect(c.locationCheck).toMatchObject({ rewritten: true, direct: { status: 302, location: expect.stringContaining(storageOrigin()) } });
    expect(run.report.failure!.detail).toContain(`asked directly, the origin redirects to "${storageOrigin()}`);
    expect(lab.forwardProxy!.requests.some((r) => r.startsWith(`GET ${plainProxy.url(LAB_NAMES.proxy)}/bucket/`))).toBe(true);
  });

  it('a proxy that rewrites Location to another working host: a location_rewritten finding, go still gets the zip', async () => {
    lab.forwardProxy!.faults = { rewriteLocation: (loc) => loc.replace(`//${LAB_NAMES.storage}:`, '//127.0.0.1:') };
    const run = await probeLab(lab, { env: viaForwardProxy() });
    expect(run.exitCode).toBe(0);
    const f = run.stage('redirect').findings.find((x) => x.code === 'redirect.location_rewritten');
    expect(f).toMatchObject({ severity: 'warn' });
    expect(f!.message).toContain(`https://127.0.0.1:${lab.storage.port}/bucket/`);
    expect(chains(run)[0]!.locationCheck).toMatchObject({ viaProxy: `${lab.forwardProxy!.url()}/`, rewritten: true });
  });

  it('a proxy that rewrites Location to a host egress does not allow: location_rewritten is the cause', async () => {
    lab.forwardProxy!.faults = { rewriteLocation: (loc) => loc.replace(`:${lab.storage.port}/`, `:${lab.closedPort}/`) };
    const run = await probeLab(lab, { env: viaForwardProxy() });
    expectRedirectFailure(run, 'redirect.location_rewritten');
    expect(run.report.failure!.detail).toContain('redirect.tcp.refused');
  });

  it('a proxy that leaves Location alone: compared, not rewritten, no finding', async () => {
    const run = await probeLab(lab, { env: viaForwardProxy() });
    expect(run.exitCode).toBe(0);
    expect(chains(run)[0]!.locationCheck).toMatchObject({ rewritten: false, direct: { status: 302 } });
    expect(run.stage('redirect').findings.map((f) => f.code)).not.toContain('redirect.location_rewritten');
  });

  it('no proxy configured: no differential request', async () => {
    const run = await probeLab(lab);
    expect(chains(run)[0]!.locationCheck).toBeUndefined();
  });
});
