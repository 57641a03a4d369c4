// go's ClientHello beside the verifying handshake: a box in front of the GOPROXY (and of the checksum
// database) drops or resets client hellos over 1000 bytes. go 1.24+ (1.5 KB hello) fails there, go 1.23
// and go with GODEBUG=tlsmlkem=0,tlssecpmlkem=0 (about 250 bytes) pass; the probe's own OpenSSL hello
// (240 bytes) passes everywhere, so only go's hello can tell.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHelloFilter, type HelloFilter, type HelloFilterAction } from '../../../src/lab/hello-filter.js';
import type { LabTarget } from '../../../src/lab/target.js';
import { cleanupRuns, innerGoError, LAB_NAMES, probeLab, resetLab, startLab } from './harness.js';

let lab: LabTarget;
const filters: HelloFilter[] = [];

beforeAll(async () => {
  lab = await startLab({ sumdbVia: 'direct' });
});
afterEach(() => resetLab(lab));
afterAll(async () => {
  await Promise.all(filters.map((f) => f.close()));
  await lab?.close();
  cleanupRuns();
});

async function filterIn(front: 'proxy' | 'sumdb', action: HelloFilterAction): Promise<HelloFilter> {
  const upstreamPort = front === 'proxy' ? lab.goproxy.port : Number(new URL(lab.sumdbURL).port);
  const f = await startHelloFilter({ upstreamPort, action });
  filters.push(f);
  return f;
}

interface GoHelloEvidence {
  answer?: { kind: string; sentBytes: number };
  keyShares: string[];
}

describe("tls stage: go's ClientHello on the wire", () => {
  it('a box dropping hellos over 1000 bytes fails go 1.27 with its handshake timeout, and says the small hello passed', async () => {
    const box = await filterIn('proxy', 'drop');
    const run = await probeLab(lab, { env: { GOPROXY: `https://${LAB_NAMES.proxy}:${box.port}` }, timeout: '1s' });
    expect(run.exitCode).toBe(12);
    expect(run.report.failure).toMatchObject({ stage: 'tls', cause: 'tls.hello_dropped', target: `${LAB_NAMES.proxy}:${box.port}` });
    expect(innerGoError(run.report.failure!.goError)).toBe('net/http: TLS handshake timeout');
    expect(run.report.failure!.hint).toContain('GODEBUG=tlsmlkem=0,tlssecpmlkem=0');
    expect(run.report.failure!.detail).toMatch(/go's ClientHello \(15\d\d bytes, X25519MLKEM768 \+ x25519 key shares.*the probe's own 2\d\d-byte ClientHello was answered/);
    // The evidence: go's hello went unanswered, the small one completed a verified handshake.
    const h = (run.stage('tls').evidence['handshakes'] as { error: { goHello: GoHelloEvidence; tls: { protocol: string; verification: { ok: boolean } } } }[])[0]!;
    expect(h.error.goHello.answer).toMatchObject({ kind: 'timeout' });
    expect(h.error.tls).toMatchObject({ protocol: 'TLSv1.3', verification: { ok: true } });
    expect(box.seen.some((s) => s.passed && s.bytes < 300)).toBe(true);
    expect(box.seen.some((s) => !s.passed && s.bytes > 1500)).toBe(true);
    expect(run.termination).toContain('tls.hello_dropped');
  });

  it('a box resetting them: go\'s "connection reset by peer"', async () => {
    const box = await filterIn('proxy', 'reset');
    const run = await probeLab(lab, { env: { GOPROXY: `https://${LAB_NAMES.proxy}:${box.port}` } });
    expect(run.report.failure).toMatchObject({ stage: 'tls', cause: 'tls.hello_reset' });
    expect(innerGoError(run.report.failure!.goError)).toMatch(/^read tcp 127\.0\.0\.1:\d+->127\.0\.0\.1:\d+: read: connection reset by peer$/);
    expect(run.report.failure!.hint).toMatch(/resets go's ClientHello/);
  });

  it('with GODEBUG=tlsmlkem=0,tlssecpmlkem=0 go sends a small hello, and passes the same box', async () => {
    const box = await filterIn('proxy', 'drop');
    const run = await probeLab(lab, { env: { GOPROXY: `https://${LAB_NAMES.proxy}:${box.port}`, GODEBUG: 'tlsmlkem=0,tlssecpmlkem=0' }, timeout: '1s' });
    expect(run.exitCode).toBe(0);
    const h = (run.stage('tls').evidence['handshakes'] as { goHello: GoHelloEvidence }[])[0]!;
    expect(h.goHello).toMatchObject({ keyShares: ['x25519'], answer: { kind: 'server_hello' } });
    expect(h.goHello.answer!.sentBytes).toBeLessThan(1000);
  });

  it('a healthy path: go\'s hello is answered with a ServerHello, recorded in the evidence', async () => {
    const run = await probeLab(lab);
    expect(run.exitCode).toBe(0);
    const h = (run.stage('tls').evidence['handshakes'] as { goHello: GoHelloEvidence; helloBytes: number }[])[0]!;
    expect(h.goHello).toMatchObject({ keyShares: ['X25519MLKEM768', 'x25519'], answer: { kind: 'server_hello' } });
    expect(h.goHello.answer!.sentBytes).toBeGreaterThan(1500);
    expect(h.helloBytes).toBeLessThan(300);
  });

  it('a later host: the checksum database behind the box fails the sumdb stage as sumdb.tls.hello_dropped', async () => {
    const box = await filterIn('sumdb', 'drop');
    const run = await probeLab(lab, { env: { GOSUMDB: `${lab.sumdb.verifierKey} https://${LAB_NAMES.sum}:${box.port}` }, timeout: '1s' });
    expect(run.exitCode).toBe(14);
    expect(run.report.failure).toMatchObject({ stage: 'sumdb', cause: 'sumdb.tls.hello_dropped' });
    expect(run.report.failure!.goError).toMatch(/net\/http: TLS handshake timeout$/);
    expect(run.report.failure!.hint).toContain('GODEBUG=tlsmlkem=0');
  });
});
