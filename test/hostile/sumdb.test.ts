// A hostile checksum database: GOSUMDB names a front that passes the lab database's answers on, mangled.
// go reads sumdb answers whole (no size limit) and verifies every signature and proof, so each case must
// end in the sumdb stage with a named cause, in time, with memory bounded.

import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LabTarget } from '../../src/lab/target.js';
import { budget, cleanupRuns, expectNamedFailure, expectPass, LAB_MODULE, LAB_NAMES, probeLab, resetLab, startLab } from './harness.js';
import { HttpFront, passHeaders, rawResponse, writeWithBackpressure, type FrontHandler } from './peers.js';

let lab: LabTarget;
let front: HttpFront;

const passThrough: FrontHandler = async (req, socket, f) => {
  const up = await f.upstream(req.target);
  socket.write(rawResponse(up.status, passHeaders(up), up.body));
};

beforeAll(async () => {
  // The proxy does not serve the database: go goes to GOSUMDB's URL, which is the front.
  lab = await startLab({ sumdbVia: 'direct' });
  front = await HttpFront.start({
    cert: lab.pki.leaf.certPem + lab.pki.intermediate.certPem,
    key: lab.pki.leaf.keyPem,
    handler: passThrough,
    upstream: { port: Number(new URL(lab.sumdbURL).port), servername: LAB_NAMES.sum, ca: lab.pki.root.certPem },
  });
});

afterAll(async () => {
  await front.close();
  await lab.close();
  cleanupRuns();
});

beforeEach(() => {
  resetLab(lab);
  front.handler = passThrough;
});

const run = () => probeLab(lab, { env: { GOSUMDB: `${lab.sumdb.verifierKey} https://${LAB_NAMES.sum}:${front.port}` } });

/** Mangles the answers to requests whose target matches `which`, passes the rest. */
const mangle = (which: RegExp, handler: FrontHandler): FrontHandler => async (req, socket, f) => (which.test(req.target) ? handler(req, socket, f) : passThrough(req, socket, f));

describe('a hostile checksum database', () => {
  it('the front itself is transparent: the run passes', async () => {
    expectPass(await run(), budget(6));
    expect(front.requests.some((q) => q.target.startsWith('/lookup/'))).toBe(true);
  });

  it('two versions of one module, a go.sum line wrong for the second: each version checked against its own record', async () => {
    const v = (version: string) => lab.modules.find((m) => m.path === LAB_MODULE && m.version === version)!.built;
    const bad = 'h1:CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC=';
    const gosum = [
      `${LAB_MODULE} v1.0.0 ${v('v1.0.0').zipHash}`, `${LAB_MODULE} v1.0.0/go.mod ${v('v1.0.0').goModHash}`,
      `${LAB_MODULE} v1.1.0 ${bad}`, `${LAB_MODULE} v1.1.0/go.mod ${v('v1.1.0').goModHash}`, '',
    ].join('\n');
    const r = await probeLab(lab, {
      env: { GOSUMDB: `${lab.sumdb.verifierKey} https://${LAB_NAMES.sum}:${front.port}` },
      modules: [`${LAB_MODULE}@v1.0.0`, `${LAB_MODULE}@v1.1.0`],
      files: { 'go.sum': gosum },
      args: ['--gosum', '{dir}/go.sum'],
    });
    expectNamedFailure(r, { stage: 'sumdb', cause: 'sumdb.checksum_mismatch', withinMs: budget(6) });
    expect(r.report!.failure!.target).toBe(`go.sum line "${LAB_MODULE} v1.1.0"`);
    expect(r.report!.failure!.goError).toContain(`go.sum:     ${bad}`);
  });

  it('an endless /lookup body: go would read forever; the probe stops at its cap and names it', async () => {
    front.handler = mangle(/^\/lookup\//, async (_req, socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n');
      const chunk = Buffer.from(`10000\r\n${'9'.repeat(0x10000)}\r\n`);
      while (await writeWithBackpressure(socket, chunk));
    });
    const r = await run();
    expectNamedFailure(r, { stage: 'sumdb', cause: 'sumdb.http.too_large', withinMs: budget(3) });
    expect(r.report!.failure!.detail).toContain('go has no limit here');
  });

  it('a /lookup answer that is 1 MB of garbage', async () => {
    front.handler = mangle(/^\/lookup\//, (_req, socket) => {
      socket.write(rawResponse(200, [['content-type', 'text/plain']], Buffer.alloc(1024 * 1024, 'go.sum database tree\n')));
    });
    const r = await run();
    expectNamedFailure(r, { stage: 'sumdb', cause: 'sumdb.bad_response', withinMs: budget(3) });
  });

  it('a garbage /latest is never read: go (and the probe) take the tree head from the lookup', async () => {
    front.handler = mangle(/^\/latest$/, (_req, socket) => {
      socket.write(rawResponse(200, [['content-type', 'text/plain']], Buffer.alloc(1024 * 1024, 'garbage\n')));
    });
    expectPass(await run(), budget(6));
  });

  it('a /lookup answer that is a gzip bomb', async () => {
    const member = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    const bomb = Buffer.concat(Array.from({ length: 8 }, () => member));
    front.handler = mangle(/^\/lookup\//, (_req, socket) => {
      socket.write(rawResponse(200, [['content-type', 'text/plain'], ['content-encoding', 'gzip']], bomb));
    });
    const r = await run();
    expectNamedFailure(r, { stage: 'sumdb', cause: 'sumdb.http.too_large', withinMs: budget(3) });
  });

  it('tiles that never come (the server accepts and stays silent)', async () => {
    front.handler = mangle(/^\/tile\//, () => undefined);
    const r = await run();
    expectNamedFailure(r, { stage: 'sumdb', cause: 'sumdb.http.timeout', withinMs: budget(4) });
  });

  it('a tile of the wrong size', async () => {
    front.handler = mangle(/^\/tile\//, async (req, socket, f) => {
      const up = await f.upstream(req.target);
      socket.write(rawResponse(up.status, passHeaders(up), up.body.subarray(0, Math.max(0, up.body.length - 7))));
    });
    const r = await run();
    expectNamedFailure(r, { stage: 'sumdb', cause: 'sumdb.bad_response', withinMs: budget(3) });
    expect(r.report!.failure!.goError).toContain('TileReader returned bad result slice');
  });
});
