// Hostile HTTP: GOPROXY points at a front that passes the lab GOPROXY's answers on, mangled one way per
// case. Where go 1.23 survives the mangling (a 1 MB header, 10k headers, a folded or 64 KB or non-ASCII
// Location), the run must pass as go's does; where go fails or would wait forever, the probe must end in
// time with a named cause in the right stage. (Go's behaviour for each was checked with net/http.)

import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LabTarget } from '../../src/lab/target.js';
import { budget, cleanupRuns, expectNamedFailure, expectNoCrash, expectOutputs, expectPass, LAB_NAMES, probeLab, resetLab, startLab } from './harness.js';
import { HttpFront, passHeaders, rawResponse, sleep, writeWithBackpressure, type FrontHandler } from './peers.js';

let lab: LabTarget;
let front: HttpFront;

/** Passes the request to the lab GOPROXY and its answer back, with `extra` headers added. */
const passThrough = (extra: readonly (readonly [string, string | Buffer])[] = []): FrontHandler => async (req, socket, f) => {
  const up = await f.upstream(req.target);
  socket.write(rawResponse(up.status, [...passHeaders(up), ...extra], up.body));
};

/** Answers .zip with a redirect to `location` (bytes as given), serves the zip at `serveAt`, passes the rest. */
const zipRedirect = (location: (zipKey: string) => Buffer | string, serveAt: (zipKey: string) => string): FrontHandler => async (req, socket, f) => {
  const zip = /^\/(.+\/@v\/[^/]+\.zip)$/.exec(req.target);
  if (zip) {
    socket.write(rawResponse(302, [['location', location(zip[1]!)]]));
    return;
  }
  const served = /^\/zip\/(.+\.zip)/.exec(req.target);
  if (served) {
    const key = served[1]!.replace(/(\.zip).*$/, '$1');
    const body = lab.goproxy.zipOf(decodeURIComponent(key));
    const ok = body !== undefined && req.target === serveAt(key);
    socket.write(ok ? rawResponse(200, [['content-type', 'application/zip']], body) : rawResponse(404, [['content-type', 'text/plain']], Buffer.from(`no object at ${req.target.slice(0, 200)}`)));
    return;
  }
  await passThrough()(req, socket, f);
};

beforeAll(async () => {
  lab = await startLab({ forwardProxy: true });
  front = await HttpFront.start({
    cert: lab.pki.leaf.certPem + lab.pki.intermediate.certPem,
    key: lab.pki.leaf.keyPem,
    handler: passThrough(),
    upstream: { port: lab.goproxy.port, servername: LAB_NAMES.proxy, ca: lab.pki.root.certPem },
  });
});

afterAll(async () => {
  await front.close();
  await lab.close();
  cleanupRuns();
});

beforeEach(() => {
  resetLab(lab);
  front.handler = passThrough();
});

const frontURL = (): string => `https://${LAB_NAMES.proxy}:${front.port}`;
const run = (opts: Parameters<typeof probeLab>[1] = {}) => probeLab(lab, { ...opts, env: { GOPROXY: frontURL(), ...opts.env } });
const frontBase = (): string => `https://${LAB_NAMES.proxy}:${front.port}`;

describe('hostile HTTP from the GOPROXY', () => {
  it('the front itself is transparent: the run passes', async () => {
    expectPass(await run(), budget(6));
    expect(front.requests.length).toBeGreaterThan(2);
  });

  it('headers trickled one byte a second (slowloris): go would wait as long as bytes come; the probe gives up in time', async () => {
    front.handler = async (_req, socket) => {
      socket.write('HTTP/1.1 200 OK\r\n');
      const header = Buffer.from(`X-Slow: ${'a'.repeat(10_000)}`);
      for (let i = 0; i < header.length && !socket.destroyed; i++) {
        socket.write(header.subarray(i, i + 1));
        await sleep(1000);
      }
    };
    const r = await run();
    expectNamedFailure(r, { stage: 'proxy', cause: 'proxy.http.timeout', withinMs: budget(3) });
  });

  it('an endless body on .info: go reads it forever; the probe stops at its cap and names it', async () => {
    front.handler = async (req, socket, f) => {
      if (!req.target.endsWith('.info')) return passThrough()(req, socket, f);
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n');
      const chunk = Buffer.from(`10000\r\n${' '.repeat(0x10000)}\r\n`);
      const start = '{"Version":"v1.1.0",';
      await writeWithBackpressure(socket, Buffer.from(`${start.length.toString(16)}\r\n${start}\r\n`));
      while (await writeWithBackpressure(socket, chunk));
    };
    const r = await run();
    expectNamedFailure(r, { stage: 'proxy', cause: 'proxy.http.too_large', withinMs: budget(3) });
  });

  it('a 1 MB response header: go accepts headers up to 10 MiB, so the run passes', async () => {
    front.handler = passThrough([['x-padding', 'p'.repeat(1024 * 1024)]]);
    expectPass(await run(), budget(6));
  });

  it('10k response headers: go has no count limit, so the run passes', async () => {
    front.handler = passThrough(Array.from({ length: 10_000 }, (_, i) => [`x-h-${i}`, 'v'] as const));
    expectPass(await run(), budget(6));
  });

  it('a Location folded over CRLF + space: go joins the lines and follows; the probe cannot parse it and says so', async () => {
    // go 1.23 requests /zip/<key>%20tail and succeeds. undici's parser refuses obs-fold outright, so the
    // probe fails this hop: a known divergence, named in the detail so that nobody takes it for go's verdict.
    front.handler = zipRedirect((key) => `${frontBase()}/zip/${key}\r\n tail`, (key) => `/zip/${key}%20tail`);
    const r = await run();
    expectNamedFailure(r, { stage: 'redirect', cause: 'redirect.http.protocol', withinMs: budget(6) });
    expect(r.report!.failure!.detail).toMatch(/folded.*go 1\.23 joins/);
  });

  it('a Location with a bare CR inside: go rejects the header block as malformed', async () => {
    front.handler = zipRedirect((key) => `${frontBase()}/zip/${key}\rX-Injected: 1`, (key) => `/zip/${key}`);
    const r = await run();
    expectNamedFailure(r, { stage: 'redirect', cause: 'redirect.http.protocol', withinMs: budget(6) });
  });

  it('a Location holding an encoded CRLF (%0D%0A): go sends it on as it is and follows', async () => {
    front.handler = zipRedirect((key) => `${frontBase()}/zip/${key}%0D%0AX-Injected:%201`, (key) => `/zip/${key}%0D%0AX-Injected:%201`);
    expectPass(await run(), budget(6));
  });

  it('an empty Location: go returns the 302 itself, so the zip fetch fails with "302 Found"', async () => {
    front.handler = zipRedirect(() => '', (key) => `/zip/${key}`);
    const r = await run();
    expectNamedFailure(r, { stage: 'redirect', cause: 'redirect.bad_status', withinMs: budget(6) });
    expect(r.report!.failure!.goError).toContain('302 Found');
  });

  it('two Location headers: go follows the first (Header.Get)', async () => {
    front.handler = async (req, socket, f) => {
      const zip = /^\/(.+\/@v\/[^/]+\.zip)$/.exec(req.target);
      if (!zip) return passThrough()(req, socket, f);
      socket.write(rawResponse(302, [['location', lab.storage.objectURL(LAB_NAMES.storage, zip[1]!)], ['location', `${frontBase()}/nowhere`]]));
    };
    expectPass(await run(), budget(6));
  });

  it('a 64 KB Location: go follows it (far below its 10 MiB header limit)', async () => {
    const pad = 'x'.repeat(64 * 1024);
    front.handler = zipRedirect((key) => `${frontBase()}/zip/${key}?pad=${pad}`, (key) => `/zip/${key}?pad=${pad}`);
    const r = await run();
    expectPass(r, budget(6));
  });

  it('a Location with raw UTF-8 and a 0xFF byte: go escapes each byte (%C3%A9, %FF) and follows it', async () => {
    front.handler = zipRedirect(
      (key) => Buffer.concat([Buffer.from(`${frontBase()}/zip/${key}/caf`), Buffer.from([0xc3, 0xa9, 0x2f, 0xff])]),
      (key) => `/zip/${key}/caf%C3%A9/%FF`,
    );
    const r = await run();
    expectPass(r, budget(6));
  });

  it('a gzip bomb on .info (1 GiB of zeros in 1 MB) when gzip is offered: a named cause, bounded memory', async () => {
    const member = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const bomb = Buffer.concat(Array.from({ length: 16 }, () => member));
    front.handler = async (req, socket, f) => {
      if (!req.target.endsWith('.info') || !/gzip/.test(req.headers['accept-encoding'] ?? '')) return passThrough()(req, socket, f);
      socket.write(rawResponse(200, [['content-type', 'application/json'], ['content-encoding', 'gzip']], bomb));
    };
    const r = await run();
    // go decodes it all (1 GiB in memory) and then fails to parse "\x00": a proxy-stage failure either way.
    expectNamedFailure(r, { stage: 'proxy', cause: 'proxy.http.too_large', withinMs: budget(3) });
  });

  it('a body shorter than its Content-Length (the connection closes early): go fails with unexpected EOF', async () => {
    front.handler = async (req, socket, f) => {
      if (!req.target.endsWith('.info')) return passThrough()(req, socket, f);
      socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"Version":');
    };
    const r = await run();
    expectNamedFailure(r, { stage: 'proxy', cause: 'proxy.http.protocol', withinMs: budget(3) });
  });

  it('a connection reset in the middle of the body', async () => {
    front.handler = async (req, socket, f) => {
      if (!req.target.endsWith('.mod')) return passThrough()(req, socket, f);
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 100000\r\n\r\nmodule lab.test/hello\n');
      await sleep(50);
      socket.resetAndDestroy();
    };
    const r = await run();
    expectNamedFailure(r, { stage: 'proxy', cause: 'proxy.http.protocol', withinMs: budget(3) });
  });

  it('a flood of 1xx informational responses: go gives up after 5, the probe ends in time', async () => {
    front.handler = async (req, socket, f) => {
      if (!req.target.endsWith('.info')) return passThrough()(req, socket, f);
      for (let i = 0; i < 100_000 && !socket.destroyed; i++) {
        if (!(await writeWithBackpressure(socket, Buffer.from('HTTP/1.1 103 Early Hints\r\nlink: </x>; rel=preload\r\n\r\n')))) break;
      }
    };
    const r = await run();
    expectNamedFailure(r, { stage: 'proxy', cause: 'proxy.http.protocol', withinMs: budget(3) });
    expect(r.report!.failure!.goError).toContain('net/http: too many 1xx informational responses');
  });

  it('an endless zip from the object store: the probe reads up to its cap, memory stays bounded', async () => {
    front.handler = zipRedirect((key) => `${frontBase()}/zip/${key}`, (key) => `/zip/${key}`);
    const inner = front.handler;
    front.handler = async (req, socket, f) => {
      if (!req.target.startsWith('/zip/')) return inner(req, socket, f);
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/zip\r\ntransfer-encoding: chunked\r\n\r\n');
      const header = Buffer.from('PK\u0003\u0004');
      await writeWithBackpressure(socket, Buffer.concat([Buffer.from(`${header.length.toString(16)}\r\n`), header, Buffer.from('\r\n')]));
      const chunk = Buffer.concat([Buffer.from('100000\r\n'), Buffer.alloc(0x100000), Buffer.from('\r\n')]);
      while (await writeWithBackpressure(socket, chunk));
    };
    const r = await run({ timeout: '5s' });
    // go stops at 500 MiB ("zip file too large"); the probe stops reading at its cap, cannot hash the zip,
    // and says so rather than guessing: the sumdb stage notes it, the chain itself is judged.
    expectNoCrash(r);
    expect(r.exitCode === 0 || r.exitCode === 15 || r.exitCode === 14, `exit ${r.exitCode}`).toBe(true);
    expectOutputs(r);
    expect(r.reportText).toMatch(/larger than the probe reads|zip_not_hashed|too_large/);
  });

  it('an egress proxy that answers CONNECT with 200 and then closes', async () => {
    lab.forwardProxy!.faults = { closeAfterConnect: true };
    const r = await probeLab(lab, { env: { HTTPS_PROXY: lab.forwardProxy!.url() } });
    expectNamedFailure(r, { stage: 'tls', cause: ['tls.handshake_failed', 'tls.protocol'], withinMs: budget(2) });
    expect(lab.forwardProxy!.requests.some((q) => q.startsWith('CONNECT '))).toBe(true);
  });
});
