// A hostile egress proxy (HTTPS_PROXY): silent after accepting, a CONNECT answer that never ends, garbage
// instead of HTTP, and a 200 followed by bytes that are not TLS. Each ends in the tcp or tls stage with a
// named cause, in time.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LabTarget } from '../../src/lab/target.js';
import { budget, cleanupRuns, expectNamedFailure, probeLab, resetLab, startLab } from './harness.js';
import { afterFirstBytes, TcpPeer, writeWithBackpressure } from './peers.js';

let lab: LabTarget;
const peers: TcpPeer[] = [];

beforeAll(async () => {
  lab = await startLab();
});

afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()));
  await lab.close();
  cleanupRuns();
});

beforeEach(() => resetLab(lab));

async function viaProxy(onConnection: Parameters<typeof TcpPeer.start>[0]) {
  const p = await TcpPeer.start(onConnection);
  peers.push(p);
  return probeLab(lab, { env: { HTTPS_PROXY: `http://127.0.0.1:${p.port}` } });
}

describe('a hostile egress proxy', () => {
  it('accepts and never answers CONNECT: the proxy is named, not the network', async () => {
    const r = await viaProxy(() => undefined);
    // The connect succeeded: no "SYN dropped", no NetworkPolicy fix; the proxy is what stalls.
    expectNamedFailure(r, { stage: 'tcp', cause: 'tcp.proxy_connect_timeout', withinMs: budget(2) });
    const f = r.report!.failure!;
    expect(f.detail).toMatch(/accepted the TCP connection .* but sent no answer to CONNECT proxy\.lab\.test:\d+ in time/);
    expect(f.hint).toMatch(/^The proxy 127\.0\.0\.1:\d+ accepted the connection but did not answer in time \(its TLS handshake, or the CONNECT to proxy\.lab\.test:\d+\)/);
    expect(f.hint).not.toMatch(/NetworkPolicy|dropped/);
    expect(f.goWouldWait).toMatch(/1m for the answer to CONNECT/);
    expect(r.termination).toContain('accepted the connection but did not answer in time');
    // go waits up to a minute for the answer, then its context ends the request.
    expect(f.goError).toMatch(/": context deadline exceeded$/);
  });

  it('an https:// proxy that accepts and never starts TLS: the proxy is named, not the network', async () => {
    const p = await TcpPeer.start(() => undefined);
    peers.push(p);
    const r = await probeLab(lab, { env: { HTTPS_PROXY: `https://127.0.0.1:${p.port}` } });
    expectNamedFailure(r, { stage: 'tcp', cause: 'tcp.proxy_connect_timeout', withinMs: budget(2) });
    expect(r.report!.failure!.detail).toBe('the proxy accepted the TCP connection but did not complete its TLS handshake in time');
    expect(r.report!.failure!.goError).toMatch(/proxyconnect tcp: net\/http: TLS handshake timeout$/);
    expect(r.report!.failure!.hint).not.toMatch(/NetworkPolicy|dropped/);
  });

  it('answers CONNECT with a header block that never ends', async () => {
    const r = await viaProxy(afterFirstBytes(async (s) => {
      s.write('HTTP/1.1 200 Connection established\r\n');
      const line = Buffer.from(`X-Padding: ${'p'.repeat(1000)}\r\n`);
      for (let i = 0; i < 10_000; i++) if (!(await writeWithBackpressure(s, line))) break;
    }));
    expectNamedFailure(r, { stage: 'tcp', cause: 'tcp.proxy_connect_failed', withinMs: budget(2) });
  });

  it('answers CONNECT with something that is not HTTP', async () => {
    const r = await viaProxy(afterFirstBytes((s) => s.end('SSH-2.0-OpenSSH_9.6\r\n\r\n')));
    expectNamedFailure(r, { stage: 'tcp', cause: 'tcp.proxy_connect_failed', withinMs: budget(2) });
    expect(r.report!.failure!.goError).toMatch(/": malformed HTTP response "SSH-2\.0-OpenSSH_9\.6"$/);
  });

  it('answers CONNECT with 200, then speaks plain HTTP inside the tunnel', async () => {
    const r = await viaProxy(afterFirstBytes((s) => {
      s.write('HTTP/1.1 200 Connection established\r\n\r\n');
      s.once('data', () => s.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'));
    }));
    expectNamedFailure(r, { stage: 'tls', cause: 'tls.protocol', withinMs: budget(2) });
  });

  it('closes the connection without answering CONNECT', async () => {
    const r = await viaProxy(afterFirstBytes((s) => s.end()));
    expectNamedFailure(r, { stage: 'tcp', cause: 'tcp.proxy_connect_failed', withinMs: budget(2) });
    expect(r.report!.failure!.goError).toMatch(/": unexpected EOF$/);
  });

  it('answers CONNECT with 407 and a 1 MB body', async () => {
    const r = await viaProxy(afterFirstBytes((s) => s.end(`HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: ${1024 * 1024}\r\n\r\n${'x'.repeat(1024 * 1024)}`)));
    expectNamedFailure(r, { stage: 'tcp', cause: 'tcp.proxy_auth_required', withinMs: budget(2) });
    expect(r.report!.failure!.goError).toMatch(/": Proxy Authentication Required$/);
  });
});
