// The verifying handshake gives OpenSSL no roots (net/tls.ts goSecureContext): filling them cost a run
// ~0.3 s of CPU (OpenSSL 3.0 decodes each PEM root in ~1 ms, and the first root added makes Node 20
// build its own bundled root store as well) for a verdict the probe never used. Go's port over the
// Go-side pool decides, with a store as large as a Debian system's and the lab root last in it.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainPem, testPki } from '../../../src/lab/pki.js';
import { parseGoVersion, rulesFor, x509RulesFor } from '../../../src/goenv/goversion.js';
import { tlsHandshake } from '../../../src/net/tls.js';
import { loadTrustStore, type TrustStore } from '../../../src/net/truststore.js';
import { dial, tlsPeer, type Peer } from './servers.js';

const HOST = 'proxy.test';
const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const pki = testPki([HOST]);
let dir: string;
let peer: Peer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gomodprobe-openssl-no-roots-'));
  peer = await tlsPeer({ key: pki.leaf.keyPem, cert: chainPem(pki.leaf, pki.intermediate), ALPNProtocols: ['http/1.1'] });
});
afterAll(async () => {
  await peer.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh store of the system's roots, with the lab root last when `withLabRoot`. */
async function systemStore(name: string, withLabRoot: boolean): Promise<TrustStore> {
  expect(existsSync(SYSTEM_BUNDLE), `${SYSTEM_BUNDLE} (Debian's ca-certificates) is needed`).toBe(true);
  // A distinct byte in each file keeps the stores' contents apart (the material is cached by content).
  const file = join(dir, `${name}.pem`);
  writeFileSync(file, `${readFileSync(SYSTEM_BUNDLE, 'utf8')}\n# ${name}\n${withLabRoot ? pki.root.certPem : ''}`);
  const store = await loadTrustStore({ sslCertFile: file, sslCertDir: join(dir, 'none') });
  expect(store.pems.length).toBeGreaterThan(100);
  return store;
}

async function handshake(trust: TrustStore, x509: ReturnType<typeof x509RulesFor>) {
  const socket = await dial(peer.port);
  const res = await tlsHandshake(socket, { host: HOST, port: peer.port, trust, x509, signal: new AbortController().signal, timeoutMs: 10_000, alpn: ['http/1.1'] });
  const openssl = { authorized: res.socket.authorized, error: String(res.socket.authorizationError ?? '') };
  res.socket.destroy();
  return { res, openssl };
}

describe('the verifying handshake', () => {
  for (const go of ['1.23', '1.27']) {
    const x509 = x509RulesFor(rulesFor(parseGoVersion(go)!), new Map());
    it(`go ${go}: Go's port verifies the chain up to the lab root, which OpenSSL was never given`, async () => {
      const trust = await systemStore(`with-root-${go}`, true);
      const { res, openssl } = await handshake(trust, x509);
      expect(res.verification).toEqual({ ok: true });
      expect(res.verifiedPath).toEqual([pki.leaf.sha256, pki.intermediate.sha256, pki.root.sha256]);
      // OpenSSL holds no root, not even Node's bundled ones: it cannot find the intermediate's issuer.
      expect(openssl).toEqual({ authorized: false, error: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' });
    });
  }

  it('a store without the root: Go\'s port fails it as go does, and the chain is still dumped', async () => {
    const trust = await systemStore('system-only', false);
    const x509 = x509RulesFor(rulesFor(parseGoVersion('1.27')!), new Map());
    const { res } = await handshake(trust, x509);
    expect(res.verification).toMatchObject({ ok: false, cause: 'tls.unknown_authority', goError: 'tls: failed to verify certificate: x509: certificate signed by unknown authority' });
    expect(res.chain.map((c) => c.sha256)).toEqual([pki.leaf.sha256, pki.intermediate.sha256]);
  });
});
