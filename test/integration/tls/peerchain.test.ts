// The chain the probe dumps is the Certificate message as the server sent it, read from the handshake
// bytes (src/net/peerchain.ts), not from Node's getPeerX509Certificate(), which leaks native memory
// per intermediate in Node 20. Each case: a real node:tls server, the probe's handshake, then Node's
// own reading of the same connection (wire order too) as the reference; and the probe must not have
// called the leaking API to get there.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket, type TlsOptions } from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { chainPem, issue, selfSignedCA, testPki } from '../../../src/lab/pki.js';
import { tlsHandshake, type TlsResult } from '../../../src/net/tls.js';
import { loadTrustStore, type TrustStore } from '../../../src/net/truststore.js';
import { dial, tlsPeer, type Peer } from './servers.js';

const HOST = 'proxy.test';
const pki = testPki([HOST, '127.0.0.1']);
const junk = selfSignedCA({ commonName: 'Unrelated CA', keyType: 'ec' });
// ~1,200 names: a leaf larger than one TLS record (16 KiB), so its message spans records.
const bigLeaf = issue({ commonName: HOST, sans: [HOST, ...Array.from({ length: 1200 }, (_, i) => `n${i}.example.test`)], keyType: 'ec' }, pki.intermediate);
let dir: string;
let trust: TrustStore;
const peers: Peer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gomodprobe-peerchain-'));
  writeFileSync(join(dir, 'root.pem'), pki.root.certPem);
  trust = await loadTrustStore({ sslCertFile: join(dir, 'root.pem'), sslCertDir: join(dir, 'no-such-dir') });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

/** Node's wire-order reading of the connection (the reference; it leaks, which a test can afford). */
function nodeChain(s: TLSSocket): string[] {
  const out: string[] = [];
  for (let c: X509Certificate | undefined = s.getPeerX509Certificate(); c && out.length < 40; c = c.issuerCertificate) {
    out.push(c.fingerprint256.replaceAll(':', '').toLowerCase());
  }
  return out;
}

async function probe(server: TlsOptions, client: { alpn?: string[] } = {}): Promise<{ res: TlsResult; reference: string[] }> {
  const peer = await tlsPeer({ ALPNProtocols: ['http/1.1'], ...server });
  peers.push(peer);
  const leaking = vi.spyOn(TLSSocket.prototype, 'getPeerX509Certificate');
  const res = await tlsHandshake(await dial(peer.port), {
    host: HOST,
    port: peer.port,
    trust,
    signal: new AbortController().signal,
    timeoutMs: 10_000,
    ...(client.alpn ? { alpn: client.alpn } : {}),
  });
  expect(leaking, 'the probe read the chain through getPeerX509Certificate').not.toHaveBeenCalled();
  const reference = nodeChain(res.socket);
  res.socket.destroy();
  return { res, reference };
}

const sent = (...certs: { sha256: string }[]): string[] => certs.map((c) => c.sha256);

describe('the presented chain is the Certificate message as sent', () => {
  const outOfOrder = [pki.leaf, junk, pki.root, pki.intermediate];

  it('TLS 1.2: out of order, with a certificate that chains to nothing', async () => {
    const { res, reference } = await probe({ key: pki.leaf.keyPem, cert: chainPem(...outOfOrder), maxVersion: 'TLSv1.2' });
    expect(res.protocol).toBe('TLSv1.2');
    expect(res.chain.map((c) => c.sha256)).toEqual(sent(...outOfOrder));
    expect(res.chain.map((c) => c.sha256)).toEqual(reference);
  });

  for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
    it(`TLS 1.3 with ${suite}: decrypted with the handshake secret, the same order`, async () => {
      const { res, reference } = await probe({ key: pki.leaf.keyPem, cert: chainPem(...outOfOrder), minVersion: 'TLSv1.3', ciphers: suite });
      expect(res.protocol).toBe('TLSv1.3');
      expect(res.cipher).toBe(suite);
      expect(res.chain.map((c) => c.sha256)).toEqual(sent(...outOfOrder));
      expect(res.chain.map((c) => c.sha256)).toEqual(reference);
    });
  }

  it('a leaf alone stays alone: no issuer from the trust store is added (getPeerCertificate(true) adds one)', async () => {
    const { res, reference } = await probe({ key: pki.leaf.keyPem, cert: pki.leaf.certPem });
    expect(res.chain.map((c) => c.sha256)).toEqual(sent(pki.leaf));
    expect(reference).toEqual(sent(pki.leaf));
  });

  it('TLS 1.3 after a HelloRetryRequest (the server only takes P-384): the second ServerHello, then the encrypted flight', async () => {
    const { res, reference } = await probe({ key: pki.ecdsaLeaf.keyPem, cert: chainPem(pki.ecdsaLeaf, pki.intermediate), minVersion: 'TLSv1.3', ecdhCurve: 'P-384' });
    expect(res.protocol).toBe('TLSv1.3');
    expect(res.chain.map((c) => c.sha256)).toEqual(sent(pki.ecdsaLeaf, pki.intermediate));
    expect(reference).toEqual(sent(pki.ecdsaLeaf, pki.intermediate));
  });

  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`${version}: a leaf larger than one record, reassembled across records`, async () => {
      expect(bigLeaf.der.length).toBeGreaterThan(16_384);
      const { res, reference } = await probe({ key: bigLeaf.keyPem, cert: chainPem(bigLeaf, pki.intermediate), minVersion: version, maxVersion: version });
      expect(res.chain.map((c) => c.sha256)).toEqual(sent(bigLeaf, pki.intermediate));
      expect(reference).toEqual(sent(bigLeaf, pki.intermediate));
      expect(res.verification.ok).toBe(true);
    });
  }
});
