// The tls stage end to end: real TLS servers on loopback presenting each kind of bad chain, and the
// chain dump that must be in the report whether or not verification succeeds.
import { createHash, X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GoproxyFixture } from '../../../src/lab/goproxy.js';
import type { IssuedCert } from '../../../src/lab/pki.js';
import type { LabTarget } from '../../../src/lab/target.js';
import { cleanupRuns, LAB_NAMES, probeLab, resetLab, startLab, type ProbeRun, innerGoError } from './harness.js';

let lab: LabTarget;
const servers: Server[] = [];
const sockets = new Set<Socket>();
const extraProxies: GoproxyFixture[] = [];

beforeAll(async () => {
  lab = await startLab();
});
afterEach(() => resetLab(lab));
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await Promise.all(extraProxies.map((p) => p.close()));
  await lab?.close();
  cleanupRuns();
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

/** A TLS server presenting exactly `chain` (leaf first). */
function tlsServer(key: IssuedCert, ...chain: IssuedCert[]): Promise<number> {
  return listen(createHttpsServer({ cert: chain.map((c) => c.certPem).join(''), key: key.keyPem }, (_req, res) => res.end('ok')));
}

interface ChainCert {
  subject: string;
  issuer: string;
  sans: string[];
  serial: string;
  notBefore: string;
  notAfter: string;
  keyType: string;
  keyBits?: number;
  curve?: string;
  signatureAlgorithm: string;
  sha256: string;
  isCA: boolean;
}
interface Handshake {
  origin: string;
  protocol?: string;
  alpn?: string;
  chain?: ChainCert[];
  verifiedPath?: string[];
  error?: { cause: string; goError: string; detail: string; tls?: { seen?: string; chain?: ChainCert[]; verification?: { ok: boolean; diagnosis?: string; goError?: string } } };
}

const handshake = (run: ProbeRun): Handshake => (run.stage('tls').evidence['handshakes'] as Handshake[])[0]!;
const sha256 = (c: IssuedCert): string => createHash('sha256').update(c.der).digest('hex');
const proxyAt = (port: number) => ({ env: { GOPROXY: `https://${LAB_NAMES.proxy}:${port}` } });

function expectTlsFailure(run: ProbeRun, cause: string, port: number): Handshake {
  expect(run.exitCode).toBe(12);
  expect(run.report.failure).toMatchObject({ stage: 'tls', cause, target: `${LAB_NAMES.proxy}:${port}` });
  expect(run.report.stages.map((s) => `${s.stage}:${s.status}`)).toEqual(['config:pass', 'dns:pass', 'tcp:pass', 'tls:fail']);
  expect(run.termination).toContain(`FAIL at stage tls: ${cause}`);
  const h = handshake(run);
  expect(h.error!.cause).toBe(cause);
  return h;
}

/** The chain is dumped even though verification failed: that is when it is needed. */
function expectChainDumped(h: Handshake, sent: IssuedCert[]): void {
  const chain = h.error!.tls!.chain!;
  expect(chain.map((c) => c.sha256)).toEqual(sent.map(sha256));
  for (const [i, c] of chain.entries()) {
    const x = new X509Certificate(sent[i]!.der);
    expect(c.serial).toBe(x.serialNumber.toUpperCase());
    expect(c.subject).toMatch(/CN=/);
    expect(c.issuer).toMatch(/CN=/);
    expect(c.keyType).toMatch(/^(rsa|ec|ed25519)$/);
    expect(Date.parse(c.notAfter)).toBe(Date.parse(x.validTo));
  }
}

describe('tls stage: the chain of a good server', () => {
  it('dumps every presented certificate and the verified path to the root', async () => {
    const run = await probeLab(lab);
    expect(run.exitCode).toBe(0);
    const h = handshake(run);
    const pki = lab.pki;
    expect(h.chain!.map((c) => c.sha256)).toEqual([sha256(pki.leaf), sha256(pki.intermediate)]);
    expect(h.chain![0]).toMatchObject({
      subject: `CN=${LAB_NAMES.proxy}`,
      issuer: 'CN=gomodprobe Test Intermediate CA,O=gomodprobe test',
      keyType: 'rsa',
      keyBits: 2048,
      signatureAlgorithm: 'ECDSA-SHA256',
      isCA: false,
    });
    expect(h.chain![0]!.sans).toEqual([LAB_NAMES.proxy, LAB_NAMES.sum, LAB_NAMES.storage, LAB_NAMES.egress, '127.0.0.1']);
    expect(h.chain![1]).toMatchObject({ keyType: 'ec', curve: 'P-256', isCA: true, signatureAlgorithm: 'SHA256-RSA' });
    expect(h.verifiedPath).toEqual([sha256(pki.leaf), sha256(pki.intermediate), sha256(pki.root)]);
    expect(h.alpn).toBe('http/1.1');
    // The tls stage names what it judged against; every root is counted in the report's trustStore.
    expect(run.stage('tls').evidence['trustStore']).toMatchObject({ hasRoots: true, read: expect.arrayContaining([{ path: `${run.dir}/ca.pem`, kind: 'file' }]) });
    const store = run.report.trustStore as { loaded: readonly { path: string; certs: number }[]; roots: number };
    expect(store.roots).toBe(1);
    expect(store.loaded).toContainEqual(expect.objectContaining({ path: `${run.dir}/ca.pem`, certs: 1 }));
    // The summary at the top of report.json and the expiry metric come from the same chain; after it,
    // the chains of the hosts reached later (the checksum database, the object store of the zip).
    const proxyTarget = `${LAB_NAMES.proxy}:${new URL(lab.proxyURL).port}`;
    expect(run.report.certificates.filter((c) => c.target === proxyTarget).map((c) => c.sha256)).toEqual([sha256(pki.leaf), sha256(pki.intermediate)]);
    expect(run.report.certificates[0]!.target).toBe(proxyTarget);
    expect(new Set(run.report.certificates.map((c) => c.target.split(':')[0]))).toEqual(new Set([LAB_NAMES.proxy, LAB_NAMES.sum, LAB_NAMES.storage]));
    expect(run.metrics).toContain(sha256(pki.leaf).slice(0, 16));
  });

  for (const kind of ['ecdsa', 'ed25519'] as const) {
    it(`a ${kind} leaf passes every stage`, async () => {
      const leaf = kind === 'ecdsa' ? lab.pki.ecdsaLeaf : lab.pki.ed25519Leaf;
      const goproxy = await GoproxyFixture.start({
        modules: lab.modules,
        tls: { cert: leaf.certPem + lab.pki.intermediate.certPem, key: leaf.keyPem },
        zipLocation: (escaped) => lab.storage.objectURL(LAB_NAMES.storage, escaped),
      });
      extraProxies.push(goproxy);
      const run = await probeLab(lab, proxyAt(goproxy.port));
      expect(run.exitCode).toBe(0);
      expect(run.report.stages.map((s) => s.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass']);
      expect(handshake(run).chain![0]!.keyType).toBe(kind === 'ecdsa' ? 'ec' : 'ed25519');
      expect(handshake(run).verifiedPath).toHaveLength(3);
    });
  }
});

describe('tls stage: unknown authority, with the diagnosis of why', () => {
  it('a TLS-inspecting proxy re-signs the certificate', async () => {
    lab.breakAt('tls');
    const port = (lab.interceptor.address() as AddressInfo).port;
    const run = await probeLab(lab);
    const h = expectTlsFailure(run, 'tls.unknown_authority', port);
    expect(h.error!.tls!.verification!.diagnosis).toBe('intercepting_proxy');
    expect(h.error!.tls!.chain![0]!.issuer).toContain('Zscaler Root CA');
    expect(innerGoError(run.report.failure!.goError)).toBe('tls: failed to verify certificate: x509: certificate signed by unknown authority');
    expect(run.report.failure!.hint).toMatch(/inspect/i);
    expectChainDumped(h, [lab.pki.proxyLeaf]);
  });

  it('the server does not send its intermediate', async () => {
    const port = await tlsServer(lab.pki.leaf, lab.pki.leaf);
    const run = await probeLab(lab, proxyAt(port));
    const h = expectTlsFailure(run, 'tls.unknown_authority', port);
    expect(h.error!.tls!.verification!.diagnosis).toBe('missing_intermediate');
    expect(run.report.failure!.detail).toContain(lab.pki.caIssuersUrl);
    expect(run.report.failure!.hint).toMatch(/full chain|intermediate/);
    expectChainDumped(h, [lab.pki.leaf]);
  });

  it('a self-signed leaf', async () => {
    const port = await tlsServer(lab.pki.selfSignedLeaf, lab.pki.selfSignedLeaf);
    const run = await probeLab(lab, proxyAt(port));
    const h = expectTlsFailure(run, 'tls.unknown_authority', port);
    expect(h.error!.tls!.verification!.diagnosis).toBe('self_signed_leaf');
    expect(innerGoError(run.report.failure!.goError)).toContain('x509: certificate signed by unknown authority');
    expectChainDumped(h, [lab.pki.selfSignedLeaf]);
    expect(h.error!.tls!.chain![0]!.subject).toBe(h.error!.tls!.chain![0]!.issuer);
  });

  it('a private CA the pod does not trust', async () => {
    const port = await tlsServer(lab.pki.privateLeaf, lab.pki.privateLeaf);
    const run = await probeLab(lab, proxyAt(port));
    const h = expectTlsFailure(run, 'tls.unknown_authority', port);
    expect(h.error!.tls!.verification!.diagnosis).toBe('private_ca');
    expect(run.report.failure!.detail).toContain('Example Corp Internal Root');
  });
});

describe('tls stage: other certificate problems', () => {
  it('expired leaf: go\'s "has expired or is not yet valid ... is after" text', async () => {
    const port = await tlsServer(lab.pki.expiredLeaf, lab.pki.expiredLeaf, lab.pki.intermediate);
    const run = await probeLab(lab, proxyAt(port));
    const h = expectTlsFailure(run, 'tls.expired', port);
    expect(innerGoError(run.report.failure!.goError)).toMatch(/^tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time \S+Z is after \S+Z$/);
    expectChainDumped(h, [lab.pki.expiredLeaf, lab.pki.intermediate]);
  });

  it('not yet valid leaf: "... is before"', async () => {
    const port = await tlsServer(lab.pki.notYetValidLeaf, lab.pki.notYetValidLeaf, lab.pki.intermediate);
    const run = await probeLab(lab, proxyAt(port));
    expectTlsFailure(run, 'tls.not_yet_valid', port);
    expect(innerGoError(run.report.failure!.goError)).toMatch(/current time \S+Z is before \S+Z$/);
  });

  it('wrong name: the names the certificate is valid for', async () => {
    const port = await tlsServer(lab.pki.wrongNameLeaf, lab.pki.wrongNameLeaf, lab.pki.intermediate);
    const run = await probeLab(lab, proxyAt(port));
    const h = expectTlsFailure(run, 'tls.name_mismatch', port);
    expect(innerGoError(run.report.failure!.goError)).toBe(`tls: failed to verify certificate: x509: certificate is valid for wrong.example, www.wrong.example, not ${LAB_NAMES.proxy}`);
    expectChainDumped(h, [lab.pki.wrongNameLeaf, lab.pki.intermediate]);
  });

  it('plain HTTP on the port GOPROXY calls https', async () => {
    const port = await listen(createHttpServer((_req, res) => res.end('plain')));
    const run = await probeLab(lab, proxyAt(port));
    const h = expectTlsFailure(run, 'tls.protocol', port);
    expect(innerGoError(run.report.failure!.goError)).toBe('http: server gave HTTP response to HTTPS client');
    // What came back instead of a ServerHello, as seen on the wire.
    expect(h.error!.tls!.seen).toMatch(/HTTP\/1\.1 400/);
    expect(run.report.failure!.hint).toMatch(/TLS port|http:\/\//);
  });
});
