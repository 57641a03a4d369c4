// Hostile TCP/TLS peers at the GOPROXY address: silence, plain HTTP, garbage where a ServerHello belongs,
// a close mid-handshake, and certificates built to strain a parser (a 20-certificate chain, a 16 KB SAN
// list, dates that do not parse). go 1.23 accepts the long chain and the big SAN list (it limits only the
// Certificate message, to 256 KiB), so those runs must pass.

import { createPrivateKey, sign } from 'node:crypto';
import net, { type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { der } from '../../src/lab/der-writer.js';
import { derToPem } from '../../src/net/truststore.js';
import { issue, selfSignedCA, type IssuedCert } from '../../src/lab/pki.js';
import type { LabTarget } from '../../src/lab/target.js';
import { budget, cleanupRuns, expectNamedFailure, expectPass, LAB_NAMES, probeLab, resetLab, startLab } from './harness.js';
import { afterFirstBytes, HttpFront, passHeaders, rawResponse, TcpPeer, type FrontHandler } from './peers.js';

let lab: LabTarget;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  lab = await startLab();
});

afterAll(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
  await lab.close();
  cleanupRuns();
});

beforeEach(() => resetLab(lab));

async function peer(onConnection: (s: Socket) => void): Promise<TcpPeer> {
  const p = await TcpPeer.start(onConnection);
  closers.push(() => p.close());
  return p;
}

const passThrough: FrontHandler = async (req, socket, f) => {
  const up = await f.upstream(req.target);
  socket.write(rawResponse(up.status, passHeaders(up), up.body));
};

/** A GOPROXY front presenting `chain` (leaf first) with `key`, passing requests on to the lab GOPROXY. */
async function frontWith(chain: readonly IssuedCert[], key: string): Promise<HttpFront> {
  const f = await HttpFront.start({
    cert: chain.map((c) => c.certPem).join(''),
    key,
    handler: passThrough,
    upstream: { port: lab.goproxy.port, servername: LAB_NAMES.proxy, ca: lab.pki.root.certPem },
  });
  closers.push(() => f.close());
  return f;
}

const at = (port: number) => ({ env: { GOPROXY: `https://${LAB_NAMES.proxy}:${port}` } });

/** The element at `offset` of a DER buffer: [headerLength, contentLength]. */
function tlv(buf: Buffer, offset: number): [number, number] {
  const first = buf[offset + 1]!;
  if (first < 0x80) return [2, first];
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + buf[offset + 2 + i]!;
  return [2 + n, len];
}

/** `cert` with its notAfter's text replaced (same length) and re-signed by `issuer`'s ECDSA key. */
function withBrokenNotAfter(cert: IssuedCert, issuer: IssuedCert, replace: (time: string) => string): IssuedCert {
  const [outerHead] = tlv(cert.der, 0);
  const [tbsHead, tbsLen] = tlv(cert.der, outerHead);
  const tbs = Buffer.from(cert.der.subarray(outerHead, outerHead + tbsHead + tbsLen));
  const algStart = outerHead + tbsHead + tbsLen;
  const [algHead, algLen] = tlv(cert.der, algStart);
  const alg = cert.der.subarray(algStart, algStart + algHead + algLen);
  // Walk the TBS's elements (RFC 5280: [0] version, serial, signature, issuer, validity, ...) to the
  // validity; searching for the UTCTime tag byte instead found a 0x17 inside a random serial now and then.
  let at = tbsHead;
  for (let i = 0; i < 4; i++) {
    const [h, l] = tlv(tbs, at);
    at += h + l;
  }
  if (tbs[at] !== 0x30) throw new Error('expected the validity SEQUENCE');
  const firstTime = at + tlv(tbs, at)[0];
  const second = firstTime + tlv(tbs, firstTime)[0] + tlv(tbs, firstTime)[1];
  if (tbs[second] !== 0x17) throw new Error('expected notAfter as a UTCTime');
  const len = tbs[second + 1]!;
  const text = tbs.subarray(second + 2, second + 2 + len).toString('latin1');
  const broken = replace(text);
  if (broken.length !== text.length) throw new Error('the replacement must keep the length');
  tbs.write(broken, second + 2, 'latin1');
  const signature = sign('sha256', tbs, createPrivateKey(issuer.keyPem));
  const certDer = der.seq(tbs, alg, der.bits(signature));
  return { ...cert, der: certDer, certPem: derToPem('CERTIFICATE', certDer) };
}

describe('hostile TCP/TLS peers at the GOPROXY address', () => {
  it('accepts the connection and never says a word: the handshake times out', async () => {
    const p = await peer(() => undefined);
    const r = await probeLab(lab, at(p.port));
    expectNamedFailure(r, { stage: 'tls', cause: 'tls.timeout', withinMs: budget(2) });
    expect(r.report!.failure!.goError).toMatch(/: net\/http: TLS handshake timeout$/);
  });

  it('speaks plain HTTP on the TLS port', async () => {
    const p = await peer(afterFirstBytes((s) => s.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nClient sent an HTTP request to an HTTPS server.\n')));
    const r = await probeLab(lab, at(p.port));
    expectNamedFailure(r, { stage: 'tls', cause: 'tls.protocol', withinMs: budget(2) });
    expect(r.report!.failure!.goError).toContain('server gave HTTP response to HTTPS client');
  });

  it('answers the ClientHello with a handshake record full of garbage', async () => {
    const body = Buffer.alloc(300, 0xa5);
    body[0] = 2; // "ServerHello", then nonsense lengths and fields
    const record = Buffer.concat([Buffer.from([0x16, 0x03, 0x03, body.length >> 8, body.length & 0xff]), body]);
    const p = await peer(afterFirstBytes((s) => s.end(record)));
    const r = await probeLab(lab, at(p.port));
    expectNamedFailure(r, { stage: 'tls', cause: 'tls.handshake_failed', withinMs: budget(2) });
    // What go 1.23's crypto/tls says for the declared length 0xa5a5a5.
    expect(r.report!.failure!.goError).toMatch(/: tls: handshake message of length 10855845 bytes exceeds maximum of 65536 bytes$/);
    expect(r.report!.failure!.detail).not.toMatch(/statem\.c|deps\/openssl/);
  });

  it('answers the ClientHello with bytes that are not a TLS record at all', async () => {
    const p = await peer(afterFirstBytes((s) => s.end(Buffer.from('\x00\x01\x02garbage garbage garbage', 'latin1'))));
    const r = await probeLab(lab, at(p.port));
    expectNamedFailure(r, { stage: 'tls', cause: 'tls.protocol', withinMs: budget(2) });
    expect(r.report!.failure!.goError).toMatch(/: tls: first record does not look like a TLS handshake$/);
  });

  it('closes in the middle of a real handshake (the first 60 bytes of a real server flight, then FIN)', async () => {
    // A real TLS server (the lab GOPROXY) answers; only the start of its first flight is passed on.
    const p = await peer(afterFirstBytes((client, hello) => {
      const real = net.connect(lab.goproxy.port, '127.0.0.1', () => real.write(hello));
      real.once('data', (d: Buffer) => {
        client.end(d.subarray(0, 60));
        real.destroy();
      });
      real.on('error', () => client.destroy());
    }));
    const r = await probeLab(lab, at(p.port));
    expectNamedFailure(r, { stage: 'tls', cause: 'tls.handshake_failed', withinMs: budget(2) });
    // The stream ends inside a record: io.ErrUnexpectedEOF in crypto/tls.
    expect(r.report!.failure!.goError).toMatch(/": unexpected EOF$/);
  });

  it('accepts and closes at once, before any TLS byte', async () => {
    const p = await peer((s) => s.end());
    const r = await probeLab(lab, at(p.port));
    expectNamedFailure(r, { stage: 'tls', cause: 'tls.handshake_failed', withinMs: budget(2) });
    expect(r.report!.failure!.goError).toMatch(/": EOF$/);
  });

  it('presents a 20-certificate chain (leaf + 19 intermediates): go verifies it, so the run passes', async () => {
    const chain: IssuedCert[] = [];
    let issuer = lab.pki.root;
    for (let i = 1; i <= 19; i++) {
      issuer = issue({ commonName: `Hostile Intermediate ${i}`, keyType: 'ec', isCA: true }, issuer);
      chain.unshift(issuer);
    }
    const leaf = issue({ commonName: LAB_NAMES.proxy, sans: [LAB_NAMES.proxy], keyType: 'ec' }, issuer);
    const f = await frontWith([leaf, ...chain], leaf.keyPem);
    const r = await probeLab(lab, at(f.port));
    expectPass(r, budget(6));
    const tlsStage = r.report!.stages.find((s) => s.stage === 'tls')!;
    expect((tlsStage.evidence['certificates'] as unknown[]).length).toBe(20);
  });

  it('presents a leaf with a 16 KB SAN list (the right name last): go accepts it, so the run passes', async () => {
    const sans = Array.from({ length: 700 }, (_, i) => `host-${i}.padding.example`);
    sans.push(LAB_NAMES.proxy);
    const leaf = issue({ commonName: 'many names', sans, keyType: 'ec' }, lab.pki.intermediate);
    expect(leaf.der.length).toBeGreaterThan(16 * 1024);
    const f = await frontWith([leaf, lab.pki.intermediate], leaf.keyPem);
    const r = await probeLab(lab, at(f.port));
    expectPass(r, budget(6));
  });

  it('presents a certificate whose names hold terminal escape sequences: the human view prints none of them', async () => {
    const evil = 'evil\u001b[2J\u001b]0;pwned\u0007\u009b31m\u2028';
    const leaf = selfSignedCA({ commonName: evil, organization: evil, sans: [LAB_NAMES.proxy], isCA: false, keyType: 'ec' });
    const f = await frontWith([leaf], leaf.keyPem);
    const r = await probeLab(lab, { ...at(f.port), setArgs: { '--format': 'pretty' } });
    expect(r.exitCode).toBe(12);
    expect(r.report!.failure!.cause).toBe('tls.unknown_authority');
    expect(r.stdout).toContain('tls');
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/[\u001b\u0007\u009b\u2028]/);
    // eslint-disable-next-line no-control-regex
    expect(r.termination).not.toMatch(/[\u001b\u0007\u009b\u2028]/);
    // The data is kept, escaped, in the structured report.
    expect(JSON.stringify(r.report!.stages.find((s) => s.stage === 'tls')!.evidence)).toContain('evil');
  });

  it('presents a leaf whose notAfter does not parse (month 13): go cannot parse the certificate', async () => {
    const good = issue({ commonName: LAB_NAMES.proxy, sans: [LAB_NAMES.proxy], keyType: 'ec' }, lab.pki.intermediate);
    const leaf = withBrokenNotAfter(good, lab.pki.intermediate, (t) => `${t.slice(0, 2)}13${t.slice(4)}`);
    const f = await frontWith([leaf, lab.pki.intermediate], leaf.keyPem);
    const r = await probeLab(lab, at(f.port));
    expectNamedFailure(r, { stage: 'tls', cause: 'tls.bad_certificate', withinMs: budget(2) });
    expect(r.report!.failure!.goError).toContain('tls: failed to parse certificate from server: x509: ');
  });
});
