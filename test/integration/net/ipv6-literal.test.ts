// IPv6 literals through the probe's one HTTP client, on loopback: a URL at https://[::1]:port (undici hands
// the connector the address without brackets), no SNI for an IP literal (crypto/tls hostnameInSNI), the
// certificate's IP SAN, a redirect to another IPv6-literal URL, and go's error text for a refused literal.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProxyEnv } from '../../../src/goenv/httpproxy.js';
import { TcpError, TlsError } from '../../../src/net/errors.js';
import { HttpClient, SessionCache } from '../../../src/net/http.js';
import { parseHosts } from '../../../src/net/hosts.js';
import { parseResolvConf } from '../../../src/net/resolvconf.js';
import { Resolver } from '../../../src/net/resolver.js';
import { loadTrustStore } from '../../../src/net/truststore.js';
import { chainPem, testPki } from '../../../src/lab/pki.js';

const pki = testPki(['::1', 'v6.lab.test']);
let dir: string;
let server: Server;
let port = 0;
const servernames: (string | false | null)[] = [];
let client: HttpClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gmp-ipv6-'));
  writeFileSync(join(dir, 'ca.pem'), pki.root.certPem);
  server = createServer({ cert: chainPem(pki.leaf, pki.intermediate), key: pki.leaf.keyPem }, (req, res) => {
    servernames.push((req.socket as TLSSocket).servername);
    if (req.url === '/redirect') {
      res.writeHead(302, { location: `https://[::1]:${port}/target` }).end();
      return;
    }
    res.end(`hello from ${req.headers.host}`);
  });
  await new Promise<void>((resolve) => server.listen({ host: '::1', port: 0, ipv6Only: true }, resolve));
  port = (server.address() as AddressInfo).port;
  const resolver = new Resolver({ conf: parseResolvConf('nameserver 127.0.0.1\n', 'pod'), hosts: parseHosts(''), order: 'files,dns' });
  const trust = await loadTrustStore({ sslCertFile: join(dir, 'ca.pem') });
  client = new HttpClient({ resolver, trust, proxyEnv: readProxyEnv({}), timeoutMs: 3000 }, new SessionCache());
});

afterAll(async () => {
  await client?.close();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (url: string) => client.get(url, { signal: AbortSignal.timeout(5000), maxBytes: 1 << 16 });

describe('the HTTP client and IPv6 literals', () => {
  it('GETs https://[::1]:port/: bracketed Host header, no SNI, the certificate checked against its IP SAN', async () => {
    const r = await get(`https://[::1]:${port}/x`);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe(`hello from [::1]:${port}`);
    expect(servernames.at(-1)).toBe(false);
    expect(client.opened.at(-1)).toMatchObject({ origin: `https://[::1]:${port}`, ok: true, addresses: ['::1'], connectedTo: `[::1]:${port}` });
  });

  it('reads a redirect to an IPv6-literal Location and follows it', async () => {
    const r = await get(`https://[::1]:${port}/redirect`);
    expect(r.status).toBe(302);
    const next = new URL(r.headers['location']!, r.url).href;
    expect(next).toBe(`https://[::1]:${port}/target`);
    expect((await get(next)).status).toBe(200);
  });

  it('a refused IPv6 literal fails with go\'s text: dial tcp [::1]:port', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen({ host: '::1', port: 0, ipv6Only: true }, resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = await get(`https://[::1]:${closedPort}/x`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TcpError);
    expect(err).toMatchObject({ layer: 'tcp', code: 'tcp.refused', target: `[::1]:${closedPort}`, goError: `dial tcp [::1]:${closedPort}: connect: connection refused` });
  });

  it('a certificate without that IP SAN: go\'s mismatch text names the literal without brackets', async () => {
    const other = testPki(['v6.lab.test']);
    writeFileSync(join(dir, 'other-ca.pem'), other.root.certPem);
    const s = createServer({ cert: chainPem(other.leaf, other.intermediate), key: other.leaf.keyPem }, (_req, res) => res.end('x'));
    await new Promise<void>((resolve) => s.listen({ host: '::1', port: 0, ipv6Only: true }, resolve));
    const c = new HttpClient({
      resolver: new Resolver({ conf: parseResolvConf('nameserver 127.0.0.1\n', 'pod'), hosts: parseHosts(''), order: 'files,dns' }),
      trust: await loadTrustStore({ sslCertFile: join(dir, 'other-ca.pem') }),
      proxyEnv: readProxyEnv({}),
      timeoutMs: 3000,
    }, new SessionCache());
    try {
      const err = await c.get(`https://[::1]:${(s.address() as AddressInfo).port}/`, { signal: AbortSignal.timeout(5000), maxBytes: 1024 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ layer: 'tls', code: 'tls.name_mismatch' });
      expect((err as TlsError).goError).toContain("x509: cannot validate certificate for ::1 because it doesn't contain any IP SANs");
    } finally {
      await c.close();
      s.close();
    }
  });
});
