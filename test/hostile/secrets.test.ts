// Secrets: credentials enter through every channel go reads them from (user:password in GOPROXY,
// HTTPS_PROXY and GOSUMDB URLs, a .netrc via NETRC), a server echoes the Authorization header it got in an
// error body, and a redirect carries a presigned token in its query string. None of them, in any form
// (raw, URL-escaped, base64 as in a Basic header), may appear in stdout, stderr, gomodprobe.ndjson,
// report.json, metrics.prom, the JUnit file or the termination message.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabTarget } from '../../src/lab/target.js';
import { budget, cleanupRuns, expectNamedFailure, expectPass, LAB_NAMES, probeLab, startLab, type ProbeRun } from './harness.js';
import { HttpFront, passHeaders, rawResponse } from './peers.js';

const GOPROXY_USER = 'gpuser';
const GOPROXY_PASS = 'gp-p@ss:w/rd%Zq81';
const PROXY_USER = 'pxuser';
const PROXY_PASS = 'px-Secret-7Hk2';
const NETRC_USER = 'nuser';
const NETRC_PASS = 'netrc-Secret-4Lm9';
const SUMDB_PASS = 'sumdb-Secret-9Qw3';
const REDIRECT_TOKEN = 'a1b2c3d4e5f6RedirectToken0987';
const SESSION_TOKEN = 'FQoGZXIvYXdzSessionToken42';

/** Every form a secret takes on the wire or in text. */
function forms(user: string, pass: string): string[] {
  return [pass, encodeURIComponent(pass), Buffer.from(`${user}:${pass}`).toString('base64'), `${user}:${pass}`];
}

const SECRETS = [
  ...forms(GOPROXY_USER, GOPROXY_PASS),
  ...forms(PROXY_USER, PROXY_PASS),
  ...forms(NETRC_USER, NETRC_PASS),
  ...forms('sumuser', SUMDB_PASS),
  REDIRECT_TOKEN,
  SESSION_TOKEN,
];

let lab: LabTarget;
let front: HttpFront;

beforeAll(async () => {
  lab = await startLab({ forwardProxy: true });
  lab.forwardProxy!.faults = { auth: { user: PROXY_USER, pass: PROXY_PASS } };
  front = await HttpFront.start({
    cert: lab.pki.leaf.certPem + lab.pki.intermediate.certPem,
    key: lab.pki.leaf.keyPem,
    upstream: { port: lab.goproxy.port, servername: LAB_NAMES.proxy, ca: lab.pki.root.certPem },
    handler: async (req, socket, f) => {
      // /echo/...: a broken upstream that prints the request's Authorization header in its error page.
      if (req.target.startsWith('/echo/')) {
        socket.write(rawResponse(500, [['content-type', 'text/plain; charset=utf-8']], Buffer.from(`upstream rejected the request\nAuthorization: ${req.headers['authorization'] ?? '(none)'}\n`)));
        return;
      }
      const rest = req.target.replace(/^\/ok/, '');
      const zip = /^\/(.+\/@v\/[^/]+\.zip)$/.exec(rest);
      if (zip) {
        const location = `https://${LAB_NAMES.storage}:${lab.storage.port}/bucket/${zip[1]}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Expires=300&X-Amz-Security-Token=${SESSION_TOKEN}&X-Amz-Signature=${REDIRECT_TOKEN}`;
        socket.write(rawResponse(302, [['location', location]]));
        return;
      }
      const up = await f.upstream(rest);
      socket.write(rawResponse(up.status, passHeaders(up), up.body));
    },
  });
});

afterAll(async () => {
  await front.close();
  await lab.close();
  cleanupRuns();
});

function env(goproxy: string): Record<string, string> {
  return {
    GOPROXY: goproxy,
    HTTPS_PROXY: `http://${PROXY_USER}:${encodeURIComponent(PROXY_PASS)}@127.0.0.1:${lab.forwardProxy!.port}`,
    GOSUMDB: `${lab.sumdb.verifierKey} https://sumuser:${SUMDB_PASS}@${LAB_NAMES.sum}:${new URL(lab.sumdbURL).port}`,
    NETRC: '{dir}/netrc',
  };
}

const base = (): string => `${LAB_NAMES.proxy}:${front.port}`;
// go 1.23 matches a machine against the URL's host:port (auth.AddCredentials compares req.URL.Host).
const netrc = (): string => `machine ${base()}\n  login ${NETRC_USER}\n  password ${NETRC_PASS}\nmachine ${LAB_NAMES.storage}:${lab.storage.port} login ${NETRC_USER} password ${NETRC_PASS}\n`;

function expectNoSecret(r: ProbeRun): void {
  const outputs: Record<string, string | undefined> = {
    stdout: r.stdout,
    stderr: r.stderr,
    'gomodprobe.ndjson': r.ndjson,
    'report.json': r.reportText,
    'metrics.prom': r.metrics,
    junit: r.junit,
    termination: r.termination,
  };
  for (const [name, text] of Object.entries(outputs)) {
    expect(text, `${name} was not written`).toBeDefined();
    for (const secret of SECRETS) expect(text!.includes(secret), `${name} contains ${JSON.stringify(secret)}`).toBe(false);
  }
}

describe('credentials through every channel', () => {
  it('a passing run that used them all leaks none', async () => {
    // Entry 1 has no user info: go sends the .netrc credentials, the server echoes them in a 500 and
    // go falls through ("|") to entry 2, which carries its own; the zip redirect carries a presigned token.
    const goproxy = `https://${base()}/echo|https://${GOPROXY_USER}:${encodeURIComponent(GOPROXY_PASS)}@${base()}/ok`;
    const r = await probeLab(lab, { env: env(goproxy), files: { netrc: netrc() } });
    expectPass(r, budget(8));
    // The channels were really used: the proxy saw authenticated CONNECTs, the front the echo and the zip.
    expect(lab.forwardProxy!.requests.filter((q) => q.startsWith('CONNECT ')).length).toBeGreaterThan(0);
    expect(front.requests.some((q) => q.target.startsWith('/echo/') && q.headers['authorization'] === `Basic ${Buffer.from(`${NETRC_USER}:${NETRC_PASS}`).toString('base64')}`)).toBe(true);
    expect(front.requests.some((q) => q.target.startsWith('/ok/') && q.headers['authorization'] === `Basic ${Buffer.from(`${GOPROXY_USER}:${GOPROXY_PASS}`).toString('base64')}`)).toBe(true);
    expect(lab.storage.requests.some((p) => p.endsWith('.zip'))).toBe(true);
    // ...and what they said is still in the report, redacted rather than dropped.
    expect(r.reportText).toContain('upstream rejected the request');
    expect(r.reportText).toContain('X-Amz-Signature=');
    expectNoSecret(r);
  });

  it('a failing run whose error text carries the echoed header leaks none', async () => {
    const r = await probeLab(lab, { env: env(`https://${base()}/echo`), files: { netrc: netrc() } });
    expectNamedFailure(r, { stage: 'proxy', cause: 'proxy.server_error', withinMs: budget(3) });
    expect(r.report!.failure!.goError).toContain('upstream rejected the request');
    expectNoSecret(r);
  });
});
