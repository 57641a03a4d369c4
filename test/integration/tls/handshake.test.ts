// tlsHandshake against real node:tls servers on loopback with generated chains. The expected
// goError texts are Go's: the same scenarios were dialled by Go 1.23's net/http client (cloned
// DefaultTransport, RootCAs = the same store) in a throwaway program, and for all 27 it printed
// the same error, or completed with the same version, cipher and ALPN.

import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chainPem, issue, selfSignedCA, testPki, type IssuedCert } from '../../../src/lab/pki.js';
import { parseGoVersion, rulesFor, x509RulesFor } from '../../../src/goenv/goversion.js';
import { TlsHandshakeError, tlsHandshake, type TlsHandshakeOptions, type TlsResult } from '../../../src/net/tls.js';
import { loadTrustStore, type TrustStore } from '../../../src/net/truststore.js';
import { describeCertificate } from '../../../src/net/x509/describe.js';
import { formatRFC3339 } from '../../../src/net/x509/verify.js';
import {
  closingPeer,
  dial,
  httpPeer,
  resettingPeer,
  silentPeer,
  sshPeer,
  tlsPeer,
  type Peer,
} from './servers.js';

const HOST = 'proxy.test';
const pki = testPki([HOST, '127.0.0.1']);
let dir: string;
let trust: TrustStore;
const peers: Peer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gomodprobe-tls-'));
  writeFileSync(join(dir, 'root.pem'), pki.root.certPem);
  trust = await loadTrustStore({ sslCertFile: join(dir, 'root.pem'), sslCertDir: join(dir, 'no-such-dir') });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

async function serve(leaf: IssuedCert, chain: IssuedCert[], extra: TlsOptions = {}): Promise<number> {
  const peer = await tlsPeer({ key: leaf.keyPem, cert: chainPem(leaf, ...chain), ALPNProtocols: ['h2', 'http/1.1'], ...extra });
  peers.push(peer);
  return peer.port;
}

async function handshake(port: number, over: Partial<TlsHandshakeOptions> = {}): Promise<TlsResult> {
  const socket = await dial(port);
  const res = await tlsHandshake(socket, {
    host: HOST,
    port,
    trust,
    signal: new AbortController().signal,
    timeoutMs: 5000,
    ...over,
  });
  res.socket.destroy();
  return res;
}

async function handshakeError(peer: Peer, over: Partial<TlsHandshakeOptions> = {}): Promise<TlsHandshakeError> {
  peers.push(peer);
  const socket = await dial(peer.port);
  try {
    const res = await tlsHandshake(socket, { host: HOST, port: peer.port, trust, signal: new AbortController().signal, timeoutMs: 5000, ...over });
    res.socket.destroy();
  } catch (err) {
    expect(err).toBeInstanceOf(TlsHandshakeError);
    return err as TlsHandshakeError;
  }
  throw new Error('handshake unexpectedly succeeded');
}

const subjects = (r: TlsResult): string[] => r.chain.map((c) => c.subject);
const VERIFY = 'tls: failed to verify certificate: ';

describe('good chains', () => {
  it.each([
    ['RSA', pki.leaf, 'rsa'],
    ['ECDSA', pki.ecdsaLeaf, 'ec'],
    ['Ed25519', pki.ed25519Leaf, 'ed25519'],
  ] as const)('%s leaf: verified, chain dumped, ALPN h2', async (_name, leaf, keyType) => {
    const res = await handshake(await serve(leaf, [pki.intermediate]));
    expect(res.verification).toEqual({ ok: true });
    expect(res.verifiedPath).toEqual([leaf.sha256, pki.intermediate.sha256, pki.root.sha256]);
    expect(subjects(res)).toEqual([`CN=${HOST}`, 'CN=gomodprobe Test Intermediate CA,O=gomodprobe test']);
    expect(res.chain[0]!.keyType).toBe(keyType);
    expect(res.chain.every((c) => !c.inTrustStore)).toBe(true);
    expect(res.protocol).toBe('TLSv1.3');
    expect(res.cipher).toMatch(/^TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)$/);
    expect(res.alpn).toBe('h2');
  });

  it('marks a presented root that is in the trust store', async () => {
    const res = await handshake(await serve(pki.leaf, [pki.intermediate, pki.root]));
    expect(res.verification.ok).toBe(true);
    expect(res.chain.map((c) => c.inTrustStore)).toEqual([false, false, true]);
  });

  it('accepts an IP host matched against an IP SAN', async () => {
    const res = await handshake(await serve(pki.leaf, [pki.intermediate]), { host: '127.0.0.1' });
    expect(res.verification.ok).toBe(true);
  });

  it('accepts a trusted intermediate as the anchor, as Go does', async () => {
    writeFileSync(join(dir, 'inter.pem'), pki.intermediate.certPem);
    const interOnly = await loadTrustStore({ sslCertFile: join(dir, 'inter.pem'), sslCertDir: join(dir, 'none') });
    const res = await handshake(await serve(pki.leaf, [pki.intermediate]), { trust: interOnly });
    expect(res.verification.ok).toBe(true);
    expect(res.verifiedPath).toEqual([pki.leaf.sha256, pki.intermediate.sha256]);
  });

  it('sends SNI as Go does: trailing dot dropped, none for IP literals', async () => {
    const seen: (string | false)[] = [];
    const server = createTlsServer({ key: pki.leaf.keyPem, cert: chainPem(pki.leaf, pki.intermediate) }, (s) => {
      seen.push((s as unknown as { servername: string | false }).servername);
      s.on('error', () => {});
      s.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    try {
      // The server may see the end of a TLS 1.3 handshake after the client: wait for each.
      const seenCount = async (n: number): Promise<void> => {
        while (seen.length < n) await new Promise((r) => setTimeout(r, 5));
      };
      await handshake(port, { host: `${HOST}.` });
      await seenCount(1);
      await handshake(port, { host: '127.0.0.1' });
      await seenCount(2);
      expect(seen).toEqual([HOST, false]);
    } finally {
      server.close();
    }
  });

  it('leaves the socket usable for application data', async () => {
    const port = await serve(pki.ecdsaLeaf, [pki.intermediate]);
    const socket = await dial(port);
    const res = await tlsHandshake(socket, { host: HOST, port, trust, signal: new AbortController().signal, timeoutMs: 5000 });
    const echoed = await new Promise<string>((resolve) => {
      let got = '';
      res.socket.on('data', (d: Buffer) => {
        got += d.toString();
        if (got.includes('ping')) resolve(got);
      });
      res.socket.write('ping');
    });
    expect(echoed).toBe('hello\nping');
    res.socket.destroy();
  });
});

describe('verification failures: the chain is dumped anyway', () => {
  it('expired leaf', async () => {
    const now = new Date();
    const res = await handshake(await serve(pki.expiredLeaf, [pki.intermediate]), { now });
    const notAfter = formatRFC3339(new Date(Date.parse(describeCertificate(pki.expiredLeaf.der).notAfter)));
    expect(res.verification).toMatchObject({
      ok: false,
      cause: 'tls.expired',
      goError: `${VERIFY}x509: certificate has expired or is not yet valid: current time ${formatRFC3339(now)} is after ${notAfter}`,
    });
    expect(res.chain).toHaveLength(2);
    expect(res.verifiedPath).toEqual([]);
  });

  it('not-yet-valid leaf', async () => {
    const now = new Date();
    const res = await handshake(await serve(pki.notYetValidLeaf, [pki.intermediate]), { now });
    const notBefore = describeCertificate(pki.notYetValidLeaf.der).notBefore;
    expect(res.verification).toMatchObject({
      cause: 'tls.not_yet_valid',
      goError: `${VERIFY}x509: certificate has expired or is not yet valid: current time ${formatRFC3339(now)} is before ${notBefore}`,
    });
  });

  it('wrong name', async () => {
    const res = await handshake(await serve(pki.wrongNameLeaf, [pki.intermediate]));
    expect(res.verification).toMatchObject({
      cause: 'tls.name_mismatch',
      goError: `${VERIFY}x509: certificate is valid for wrong.example, www.wrong.example, not ${HOST}`,
    });
    expect(subjects(res)[0]).toBe('CN=wrong.example');
  });

  it('IP host not among the IP SANs', async () => {
    const res = await handshake(await serve(pki.leaf, [pki.intermediate]), { host: '127.0.0.2' });
    expect(res.verification).toMatchObject({
      cause: 'tls.name_mismatch',
      goError: `${VERIFY}x509: certificate is valid for 127.0.0.1, not 127.0.0.2`,
    });
  });

  it('CN-only certificate', async () => {
    const res = await handshake(await serve(pki.cnOnlyLeaf, [pki.intermediate]));
    expect(res.verification).toMatchObject({
      cause: 'tls.name_mismatch',
      goError: `${VERIFY}x509: certificate relies on legacy Common Name field, use SANs instead`,
    });
    expect(res.chain[0]!.sans).toEqual([]);
  });

  it('self-signed leaf', async () => {
    const res = await handshake(await serve(pki.selfSignedLeaf, []));
    expect(res.verification).toMatchObject({
      cause: 'tls.unknown_authority',
      goError: `${VERIFY}x509: certificate signed by unknown authority`,
      diagnosis: 'self_signed_leaf',
    });
    expect(res.chain[0]!.selfSigned).toBe(true);
  });

  it('missing intermediate', async () => {
    const res = await handshake(await serve(pki.leaf, []));
    expect(res.verification).toMatchObject({
      cause: 'tls.unknown_authority',
      goError: `${VERIFY}x509: certificate signed by unknown authority`,
      diagnosis: 'missing_intermediate',
    });
    expect(res.verification.diagnosisDetail).toContain(pki.caIssuersUrl);
    expect(subjects(res)).toEqual([`CN=${HOST}`]);
  });

  it('intercepting-proxy-looking root', async () => {
    const res = await handshake(await serve(pki.proxyLeaf, []));
    expect(res.verification).toMatchObject({
      cause: 'tls.unknown_authority',
      goError: `${VERIFY}x509: certificate signed by unknown authority`,
      diagnosis: 'intercepting_proxy',
    });
    expect(res.verification.diagnosisDetail).toContain('Zscaler');
    expect(res.chain[0]!.issuer).toBe('CN=Zscaler Root CA,O=Zscaler Inc.');
  });

  it('inspection CA named only by its purpose', async () => {
    const ca = selfSignedCA({ commonName: 'Corporate SSL Inspection CA' });
    const inspectingLeaf = issue({ commonName: HOST, sans: [HOST] }, ca);
    const res = await handshake(await serve(inspectingLeaf, []));
    expect(res.verification.diagnosis).toBe('intercepting_proxy');
  });

  it('private CA not in the store', async () => {
    const res = await handshake(await serve(pki.privateLeaf, []));
    expect(res.verification).toMatchObject({ cause: 'tls.unknown_authority', diagnosis: 'private_ca' });
    expect(res.verification.diagnosisDetail).toContain('Example Corp Internal Root');
  });

  it('root sent by the server but not trusted', async () => {
    const res = await handshake(await serve(pki.privateLeaf, [pki.privateRoot]));
    expect(res.verification).toMatchObject({ cause: 'tls.unknown_authority', diagnosis: 'untrusted_root' });
    expect(res.chain.map((c) => c.selfSigned)).toEqual([false, true]);
  });

  it('leaf only good for client authentication', async () => {
    const res = await handshake(await serve(pki.clientAuthLeaf, [pki.intermediate]));
    expect(res.verification).toMatchObject({
      cause: 'tls.bad_certificate',
      goError: `${VERIFY}x509: certificate specifies an incompatible key usage`,
    });
  });

  it('empty trust store', async () => {
    const empty = await loadTrustStore({ sslCertFile: join(dir, 'none.pem'), sslCertDir: join(dir, 'none') });
    const res = await handshake(await serve(pki.leaf, [pki.intermediate]), { trust: empty });
    expect(res.verification).toMatchObject({
      cause: 'tls.no_roots',
      goError: `${VERIFY}x509: certificate signed by unknown authority`,
    });
  });

  it('trust store that failed to load', async () => {
    const broken = await loadTrustStore({ sslCertFile: dir, sslCertDir: join(dir, 'none') });
    const res = await handshake(await serve(pki.leaf, [pki.intermediate]), { trust: broken });
    expect(res.verification).toMatchObject({
      cause: 'tls.no_roots',
      goError: `${VERIFY}x509: failed to load system roots and no roots provided; read ${dir}: is a directory`,
    });
  });
});

describe('peers that do not complete a handshake', () => {
  it('plain HTTP peer', async () => {
    const err = await handshakeError(await httpPeer());
    expect(err.code).toBe('tls.protocol');
    expect(err.goError).toBe('http: server gave HTTP response to HTTPS client');
    expect(err.detail).toContain('that are not TLS: "HTTP/1.1 400 Bad Request\\r\\nContent-Type: text/plain\\r\\n');
  });

  it('peer speaking another protocol', async () => {
    const err = await handshakeError(await sshPeer());
    expect(err.code).toBe('tls.protocol');
    expect(err.goError).toBe('tls: first record does not look like a TLS handshake');
    expect(err.detail).toContain('"SSH-2.0-OpenSSH_9.6\\r\\n"');
  });

  it('silent peer', async () => {
    const err = await handshakeError(await silentPeer(), { timeoutMs: 300 });
    expect(err.code).toBe('tls.timeout');
    expect(err.goError).toBe('net/http: TLS handshake timeout');
    expect(err.detail).toBe('no complete handshake after 300 ms; the peer sent nothing');
  });

  it('peer closing mid-handshake', async () => {
    const err = await handshakeError(await closingPeer());
    expect(err.code).toBe('tls.handshake_failed');
    expect(err.goError).toBe('EOF');
    expect(err.detail).toContain('the peer closed the connection before the handshake completed; the peer sent nothing');
  });

  it('peer resetting mid-handshake', async () => {
    const err = await handshakeError(await resettingPeer());
    expect(err.code).toBe('tls.handshake_failed');
    expect(err.goError).toMatch(/^read tcp 127\.0\.0\.1:\d+->127\.0\.0\.1:\d+: read: connection reset by peer$/);
  });

  it('server that only offers a cipher Go 1.23 no longer offers (RSA key exchange)', async () => {
    const port = await serve(pki.leaf, [pki.intermediate], { ciphers: 'AES128-GCM-SHA256', maxVersion: 'TLSv1.2' });
    const err = await handshakeError({ port, close: async () => {} });
    expect(err.code).toBe('tls.handshake_failed');
    expect(err.goError).toBe('remote error: tls: handshake failure');
  });

  it('server stuck on TLS 1.1', async () => {
    const port = await serve(pki.leaf, [pki.intermediate], { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    const err = await handshakeError({ port, close: async () => {} });
    expect(err.code).toBe('tls.handshake_failed');
    expect(err.goError).toBe('remote error: tls: protocol version not supported');
  });

  it('aborted by the caller', async () => {
    const peer = await silentPeer();
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('deadline')), 50);
    const err = await handshakeError(peer, { signal: ac.signal, timeoutMs: 10_000 });
    expect(err.code).toBe('tls.timeout');
    expect(err.detail).toContain('aborted during the handshake (deadline)');
  });

  it('already aborted before the handshake', async () => {
    const peer = await silentPeer();
    const ac = new AbortController();
    ac.abort(new Error('gone'));
    const err = await handshakeError(peer, { signal: ac.signal });
    expect(err.code).toBe('tls.timeout');
    expect(err.detail).toBe('aborted before the handshake: gone');
  });
});

// A TLS 1.2 server that signs its key exchange only with SHA-1 (an old appliance or a proxy pinned to
// legacy settings). Measured with go's crypto/tls client against openssl s_server -tls1_2 -sigalgs
// ECDSA+SHA1 (and RSA+SHA1): go 1.23.5 and 1.24.4 connect; go 1.27.3 gets "remote error: tls: handshake
// failure" (crypto/tls/common.go isDisabledSignatureAlgorithm, go 1.25), and connects with
// GODEBUG=tlssha1=1. The e2e lab checks the same against the real gos (scenario tls12-sha1-only).
describe('SHA-1 signatures in a TLS 1.2 handshake, by go version', () => {
  const x509 = (v: string, godebug: Record<string, string> = {}) => x509RulesFor(rulesFor(parseGoVersion(v)), new Map(Object.entries(godebug)));
  const sha1Only: TlsOptions = { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0', sigalgs: 'RSA+SHA1' };

  it.each(['1.21', '1.23', '1.24'])('go%s connects', async (v) => {
    const res = await handshake(await serve(pki.leaf, [pki.intermediate], sha1Only), { x509: x509(v) });
    expect(res.protocol).toBe('TLSv1.2');
    expect(res.verification.ok).toBe(true);
  });

  it.each(['1.25', '1.27'])('go%s gets the server\'s handshake_failure alert, with why in the detail', async (v) => {
    const err = await handshakeError(await tlsPeer({ key: pki.leaf.keyPem, cert: chainPem(pki.leaf, pki.intermediate), ...sha1Only }), { x509: x509(v) });
    expect(err.code).toBe('tls.handshake_failed');
    expect(err.goError).toBe('remote error: tls: handshake failure');
    expect(err.detail).toMatch(/offers no SHA-1 signature algorithm in TLS 1\.2\b.*GODEBUG=tlssha1=1/);
  });

  it('go1.27 with GODEBUG=tlssha1=1 connects', async () => {
    const res = await handshake(await serve(pki.leaf, [pki.intermediate], sha1Only), { x509: x509('1.27', { tlssha1: '1' }) });
    expect(res.protocol).toBe('TLSv1.2');
  });

  it('a server that also offers SHA-256 is fine for every go', async () => {
    const both: TlsOptions = { ...sha1Only, sigalgs: 'RSA+SHA256:RSA+SHA1' };
    for (const v of ['1.23', '1.27']) {
      const res = await handshake(await serve(pki.leaf, [pki.intermediate], both), { x509: x509(v) });
      expect(res.verification.ok).toBe(true);
    }
  });
});

// crypto/rsa refuses keys under 1024 bits from go 1.24 (rsa1024min). Measured against openssl s_server with a
// 512-bit RSA leaf under a 2048-bit CA (TLS 1.2, ECDHE-RSA): go 1.23.5 connects; go 1.24.4 and 1.27.3 fail with
// "tls: invalid signature by the server certificate: crypto/rsa: 512-bit keys are insecure (see
// https://go.dev/pkg/crypto/rsa#hdr-Minimum_key_size)", and connect with GODEBUG=rsa1024min=0.
describe('an RSA leaf under 1024 bits, by go version', () => {
  const x509 = (v: string, godebug: Record<string, string> = {}) => x509RulesFor(rulesFor(parseGoVersion(v)), new Map(Object.entries(godebug)));
  const weak = issue({ commonName: HOST, sans: [HOST, '127.0.0.1'], keyPem: generateKeyPairSync('rsa', { modulusLength: 512 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }, pki.intermediate);
  const legacy: TlsOptions = { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0' };

  it('go1.23 connects', async () => {
    const res = await handshake(await serve(weak, [pki.intermediate], legacy), { x509: x509('1.23') });
    expect(res.verification.ok).toBe(true);
  });
  it.each(['1.24', '1.27'])('go%s fails on the handshake signature, with go\'s text', async (v) => {
    const res = await handshake(await serve(weak, [pki.intermediate], legacy), { x509: x509(v) });
    expect(res.verification).toMatchObject({
      ok: false,
      cause: 'tls.bad_certificate',
      goError: 'tls: invalid signature by the server certificate: crypto/rsa: 512-bit keys are insecure (see https://go.dev/pkg/crypto/rsa#hdr-Minimum_key_size)',
    });
  });
  it('go1.27 with GODEBUG=rsa1024min=0 connects', async () => {
    const res = await handshake(await serve(weak, [pki.intermediate], legacy), { x509: x509('1.27', { rsa1024min: '0' }) });
    expect(res.verification.ok).toBe(true);
  });
});

// A run judges each chain a host presents once (net/tls.ts judgeOnce): the verdict is reused only
// within the run (the rules object is the run's), for the same host, and while the time is inside the
// verified path's validity. Each case could fail: a reused verdict would hide the expiry, the other host
// name or the other store.
describe('a verified chain, judged once per run', () => {
  const x509 = () => x509RulesFor(rulesFor(parseGoVersion('1.27')!), new Map());

  it('is judged again, and fails as go does, once the time is past a certificate of its path', async () => {
    const port = await serve(pki.leaf, [pki.intermediate]);
    const rules = x509();
    const first = await handshake(port, { x509: rules });
    expect(first.verification).toEqual({ ok: true });
    const again = await handshake(port, { x509: rules });
    expect(again.verification).toEqual({ ok: true });
    expect(again.verifiedPath).toEqual(first.verifiedPath);
    expect(again.chain).toEqual(first.chain);
    const leafNotAfter = describeCertificate(pki.leaf.der).notAfter;
    const later = new Date(Date.parse(leafNotAfter) + 1000);
    const expired = await handshake(port, { x509: rules, now: later });
    expect(expired.verification).toMatchObject({ ok: false, cause: 'tls.expired' });
  });

  it('is not reused for another host name, nor with another store', async () => {
    const port = await serve(pki.leaf, [pki.intermediate]);
    const rules = x509();
    expect((await handshake(port, { x509: rules })).verification).toEqual({ ok: true });
    const other = await handshake(port, { x509: rules, host: 'other.test' });
    expect(other.verification).toMatchObject({ ok: false, cause: 'tls.name_mismatch' });
    const empty = await loadTrustStore({ sslCertFile: join(dir, 'no-such-file.pem'), sslCertDir: join(dir, 'no-such-dir') });
    const noRoots = await handshake(port, { x509: rules, trust: empty });
    expect(noRoots.verification.ok).toBe(false);
  });
});
