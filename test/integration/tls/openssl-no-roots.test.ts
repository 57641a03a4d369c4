// prepareTrust fills the modelled go's SecureContext a few roots per event-loop turn while the dns stage
// waits (OpenSSL 3 takes ~1 ms per root: a whole system store at once held the loop for 100-190 ms). A
// handshake that comes before the filling is done must still see every root: the lab root here is the
// last of the store, behind the machine's 150 system roots, and OpenSSL's own verdict (evidence) must
// say it verified, as it does with a context that had every root from the start.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainPem, testPki } from '../../../src/lab/pki.js';
import { parseGoVersion, rulesFor, x509RulesFor } from '../../../src/goenv/goversion.js';
import { prepareTrust, tlsHandshake } from '../../../src/net/tls.js';
import { loadTrustStore, type TrustStore } from '../../../src/net/truststore.js';
import { dial, tlsPeer, type Peer } from './servers.js';

const HOST = 'proxy.test';
const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const pki = testPki([HOST]);
let dir: string;
let peer: Peer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gomodprobe-trust-fill-'));
  peer = await tlsPeer({ key: pki.leaf.keyPem, cert: chainPem(pki.leaf, pki.intermediate), ALPNProtocols: ['http/1.1'] });
});
afterAll(async () => {
  await peer.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh store (a new object each time: the material is cached per store) with the lab root last. */
async function storeWithLabRootLast(name: string): Promise<TrustStore> {
  expect(existsSync(SYSTEM_BUNDLE), `${SYSTEM_BUNDLE} (Debian's ca-certificates) is needed`).toBe(true);
  // A distinct byte in each file keeps the stores' contents apart (the material is also cached by content).
  const file = join(dir, `${name}.pem`);
  writeFileSync(file, `${readFileSync(SYSTEM_BUNDLE, 'utf8')}\n# ${name}\n${pki.root.certPem}`);
  const store = await loadTrustStore({ sslCertFile: file, sslCertDir: join(dir, 'none') });
  expect(store.pems.length).toBeGreaterThan(100);
  expect(store.pems[store.pems.length - 1]!.replace(/\s/g, '')).toBe(pki.root.certPem.replace(/\s/g, ''));
  return store;
}

async function handshake(trust: TrustStore, x509: ReturnType<typeof x509RulesFor>) {
  const socket = await dial(peer.port);
  const res = await tlsHandshake(socket, { host: HOST, port: peer.port, trust, x509, signal: new AbortController().signal, timeoutMs: 10_000, alpn: ['http/1.1'] });
  res.socket.destroy();
  return res.verification;
}

describe('prepareTrust', () => {
  for (const go of ['1.23', '1.27']) {
    const x509 = x509RulesFor(rulesFor(parseGoVersion(go)!), new Map());
    it(`go ${go}: a handshake right after it, before the filling is done, still has every root`, async () => {
      const trust = await storeWithLabRootLast(`early-${go}`);
      prepareTrust(trust, x509);
      const v = await handshake(trust, x509);
      expect(v).toMatchObject({ ok: true, openssl: { authorized: true } });
    });

    it(`go ${go}: the filling ends on its own, and then the context has every root`, async () => {
      const trust = await storeWithLabRootLast(`late-${go}`);
      // The filling ends on its own, one root per turn, with nothing else running.
      await prepareTrust(trust, x509).filled;
      const v = await handshake(trust, x509);
      expect(v).toMatchObject({ ok: true, openssl: { authorized: true } });
    });
  }

  it('a store without the root: OpenSSL says so (the check can fail)', async () => {
    const file = join(dir, 'system-only.pem');
    writeFileSync(file, readFileSync(SYSTEM_BUNDLE, 'utf8'));
    const trust = await loadTrustStore({ sslCertFile: file, sslCertDir: join(dir, 'none') });
    const x509 = x509RulesFor(rulesFor(parseGoVersion('1.27')!), new Map());
    prepareTrust(trust, x509);
    const v = await handshake(trust, x509);
    expect(v.ok).toBe(false);
    expect(v.openssl?.authorized).toBe(false);
  });
});
