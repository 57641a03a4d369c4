// One TLS handshake as Go's crypto/tls client would do it, over a socket the dialer already opened
// (possibly a CONNECT tunnel), judged by Go's rules and with the presented chain always dumped.
//
// OpenSSL does the handshake (rejectUnauthorized: false, so a bad chain still completes and can be
// dumped); the verdict comes from a port of Go's x509 Verify (x509/verify.ts) over the certificates the
// server presented, in the order it presented them. OpenSSL is given no roots and asked no verdict
// (goSecureContext says what that saves).
// The socket is read through a small tap so that, when the peer is not speaking TLS, we can say
// what it did send.
//
// Where OpenSSL and Go 1.23 disagree (why OpenSSL's verdict is not the probe's; checked against Go's
// crypto/tls client):
// - Anchors: Go accepts any pool certificate (an intermediate, the leaf itself); OpenSSL needs
//   X509_V_FLAG_PARTIAL_CHAIN.
// - Order: Go checks the leaf's validity, then the name, then the chain, then EKUs; OpenSSL builds
//   the chain first (an expired self-signed leaf is "expired" to Go, "self signed" to OpenSSL).
// - An expired intermediate or root is Go's expiry error, not "unknown authority".
// - EKUs nest down from the root in Go; SHA-1 and MD5 certificate signatures are refused by Go and
//   accepted by OpenSSL at security level 1; Go 1.23 refuses negative serials and other encodings
//   OpenSSL parses, and RSA keys over 8192 bits.
// - Names: Go's rules only (no CN fallback); OpenSSL's and Node's host checks are not used.
// - Offered parameters follow Go's defaults (ECDHE-only suites, TLS 1.2-1.3, Go's curves and
//   sigalgs). Not modelled: X25519Kyber768Draft00 (OpenSSL 3.0 lacks it; only a server that
//   requires it would differ).
// - SHA-1 signatures in TLS 1.2 handshakes: go ≤1.24 (or GODEBUG=tlssha1=1) offers and accepts them,
//   go 1.25+ does not (crypto/tls/common.go isDisabledSignatureAlgorithm). OpenSSL 3 drops them from
//   its hello at security level 1 (measured: a server that signs only with SHA-1 then answers
//   handshake_failure), so the go ≤1.24 context runs at level 0 with Go's explicit suites, curves and
//   sigalgs; Go's x509 port, not OpenSSL's level, judges the chain's keys and signatures.
// - Times in goError are printed in UTC; Go prints the local zone (TZ), which in pods is UTC.

import type { X509Rules } from '../goenv/goversion.js';
import { Duplex } from 'node:stream';
import { connect as tlsConnect, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { createHash, type X509Certificate } from 'node:crypto';
import { ProbeError } from '../errors.js';
import type { GoHelloCheck } from './gohello.js';
import { CertificateParseError, formatName, parseCertificate, type ParseRules, type ParsedCertificate } from './x509/parse.js';
import { joinHostPort } from './netip.js';
import { ALERT_TEXT, alertText, hostnameInSNI } from './tlswire.js';
import { decodePem, PendingTrustStore, rootsIndexed, storeHasRoots, storePaths, type TrustStore } from './truststore.js';
import { describeCertificate, type CertInfo } from './x509/describe.js';
import { CertPool, sha256Hex, type RootPool } from './x509/pool.js';
import { MAX_SERVER_FLIGHT_BYTES, sentCertificates, type HandshakeCapture } from './peerchain.js';
import { isSelfSigned, signedBy, verifyCertificate, type X509Error } from './x509/verify.js';

export interface TlsHandshakeOptions {
  /** The host as in the URL (name or IP, IPv6 with or without brackets): SNI and name check. */
  host: string;
  port: number;
  trust: TrustStore;
  /** Default ['h2', 'http/1.1'], as http.DefaultTransport offers. */
  alpn?: string[];
  signal: AbortSignal;
  timeoutMs: number;
  /** Verification time (default: now). */
  now?: Date;
  /** What the modelled go's crypto/x509 accepts and says (default: go 1.23's). */
  x509?: X509Rules;
}

export type TlsVerifyCause =
  | 'tls.unknown_authority'
  | 'tls.expired'
  | 'tls.not_yet_valid'
  | 'tls.name_mismatch'
  | 'tls.bad_certificate'
  | 'tls.no_roots';

export type TlsDiagnosis = 'intercepting_proxy' | 'missing_intermediate' | 'self_signed_leaf' | 'private_ca' | 'untrusted_root' | 'weak_ca_key';

export interface TlsVerification {
  ok: boolean;
  cause?: TlsVerifyCause;
  /** What Go >= 1.20 prints after `Get "<url>": `. */
  goError?: string;
  diagnosis?: TlsDiagnosis;
  diagnosisDetail?: string;
}

export interface TlsResult {
  protocol: string;
  cipher: string;
  alpn: string | false;
  /** The certificates the server presented, in the order it sent them. */
  chain: CertInfo[];
  /** sha256 of each certificate on Go's verified path, leaf first ([] when verification failed). */
  verifiedPath: string[];
  verification: TlsVerification;
  /** Left open for the HTTP client. A TLSSocket over a stream tap: the raw socket has the addresses. */
  socket: TLSSocket;
  /** Bytes OpenSSL wrote before the server's first byte arrived: its ClientHello. */
  helloBytes: number;
  /** From the ClientHello to the verified handshake, in ms (0.1 ms steps). */
  handshakeMs: number;
  /** go's own ClientHello toward this origin and what it met (net/gohello.ts), when it was sent. */
  goHello?: GoHelloCheck;
}

export type TlsErrorCode = 'tls.protocol' | 'tls.handshake_failed' | 'tls.timeout';

export class TlsHandshakeError extends ProbeError {
  override readonly code: TlsErrorCode;
  /** What was seen on the wire. */
  readonly detail: string;
  /** What Go would print (after `Get "<url>": `), when it can be predicted. */
  readonly goError?: string;
  constructor(code: TlsErrorCode, message: string, opts: { detail: string; goError?: string; cause?: unknown }) {
    super(code, message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TlsHandshakeError';
    this.code = code;
    this.detail = opts.detail;
    if (opts.goError !== undefined) this.goError = opts.goError;
  }
}

// Go 1.23's defaults (crypto/tls defaults.go, cipher_suites.go): ECDHE only (tlsrsakex=0, tls3des=0),
// TLS 1.2 and 1.3, its curves (minus X25519Kyber768Draft00, which OpenSSL 3.0 lacks) and sigalgs.
const GO_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-SHA',
  'ECDHE-RSA-AES128-SHA',
  'ECDHE-ECDSA-AES256-SHA',
  'ECDHE-RSA-AES256-SHA',
].join(':');
const GO_SIGALGS = [
  'rsa_pss_rsae_sha256',
  'ecdsa_secp256r1_sha256',
  'ed25519',
  'rsa_pss_rsae_sha384',
  'rsa_pss_rsae_sha512',
  'rsa_pkcs1_sha256',
  'rsa_pkcs1_sha384',
  'rsa_pkcs1_sha512',
  'ecdsa_secp384r1_sha384',
  'ecdsa_secp521r1_sha512',
  'RSA+SHA1',
  'ECDSA+SHA1',
].join(':');
const GO_CURVES = 'X25519:P-256:P-384:P-521';
/** go 1.25+ (tlssha1=0): the same list without the SHA-1 schemes. */
const GO_SIGALGS_NO_SHA1 = GO_SIGALGS.split(':').filter((a) => !a.endsWith('+SHA1')).join(':');

/** Longest chain walked from the peer certificate. */
const MAX_CHAIN = 32;
/** Bytes of the peer's first flight kept for diagnosis. */
const WIRE_CAPTURE_BYTES = 512;
/** Bytes of non-TLS data quoted in a detail. */
const QUOTE_BYTES = 120;
/** crypto/tls checkKeySize: tlsmaxrsasize default. */
const MAX_RSA_BITS = 8192;

interface TrustMaterial {
  /** The Go-side pool of the store's roots, parsed with the run's rules; undefined after a SystemRootsError. */
  roots: RootPool | undefined;
}

/** Per store (a run's, or serve's per run): the pool is indexed once, the first time a chain is judged. */
const trustCache = new WeakMap<TrustStore, TrustMaterial>();

/**
 * The handshake contexts hold no root (goSecureContext), so one of each serves every store and run: every
 * SecureContext built keeps ~19 KB of native memory that Node 20 does not give back after it is collected
 * (measured: 1,500 contexts, +28 MB of malloc heap; one shared: +0.6 MB). Safe to share: Node turns off
 * OpenSSL's internal session cache, so no run resumes another's.
 */
let contextSha1: SecureContext | undefined;
let contextNoSha1: SecureContext | undefined;
/** TLS to an https:// egress proxy: by the CA set's content, for a process that loads the same roots run after run. */
const proxyContexts = new Map<string, SecureContext>();
const MAX_PROXY_CONTEXTS_KEPT = 4;
const proxyContextOfStore = new WeakMap<TrustStore, SecureContext>();

/**
 * The SecureContext for TLS to an https:// egress proxy (HTTPS_PROXY=https://…), once per CA set like
 * the origins' ones: `tls.connect({ ca })` would build a new context, and load every root again, for
 * each connection through the proxy. Node's own checks judge the proxy's certificate, as before.
 */
export function proxyTlsContext(trust: TrustStore): SecureContext {
  // Once per store: every connection through the proxy asks, and hashing the roots' PEM text each time
  // would cost ~0.5 ms per connection for a Debian store.
  const ofStore = proxyContextOfStore.get(trust);
  if (ofStore) return ofStore;
  const key = createHash('sha256').update(trust.pems.join('\n')).digest('hex');
  let context = proxyContexts.get(key);
  if (!context) {
    context = createSecureContext({ ca: [...trust.pems] });
    if (proxyContexts.size >= MAX_PROXY_CONTEXTS_KEPT) proxyContexts.delete(proxyContexts.keys().next().value!);
  }
  // Most recently used last: the oldest goes first when the map is full.
  proxyContexts.delete(key);
  proxyContexts.set(key, context);
  proxyContextOfStore.set(trust, context);
  return context;
}

/** The Go-side pool for a trust store, built once per store. */
function trustMaterial(trust: TrustStore, x509: X509Rules | undefined): TrustMaterial {
  let m = trustCache.get(trust);
  if (m) return m;
  // An empty pool would fail every handshake as an unknown authority: a verdict go never gave.
  if (trust.notRead !== undefined) throw new Error(`TLS with a trust store that was not read (${trust.notRead})`);
  m = { roots: trust.error === undefined ? rootPool(trust, x509 ?? {}) : undefined };
  trustCache.set(trust, m);
  return m;
}

/**
 * The parser rules loading and verification must agree on: the same go reads the roots and the chain.
 * Every field is compared (absent = false), so a rule added to ParseRules later cannot be missed here; a
 * field only one side carries makes the pool parse the roots again, which is slower but never wrong.
 */
function sameParseRules(a: ParseRules, b: ParseRules): boolean {
  const fields = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof ParseRules>;
  for (const field of fields) if ((a[field] ?? false) !== (b[field] ?? false)) return false;
  return true;
}

/**
 * The store's roots indexed by subject. A run's store (PendingTrustStore) is indexed in idle time and
 * parses a root when a chain asks for it, with the run's rules (go's AppendCertsFromPEM keeps a block only
 * if it parses). A store loaded whole is indexed as it was parsed; one built by hand, or loaded under
 * other rules, is parsed here.
 */
function rootPool(store: TrustStore, rules: ParseRules): RootPool {
  if (store instanceof PendingTrustStore && sameParseRules(store.rules, rules)) return store.pool();
  const trust = store instanceof PendingTrustStore ? store.parseAll() : store;
  const roots = new CertPool();
  if (trust.certs && sameParseRules(trust.rules ?? {}, rules)) {
    for (const cert of trust.certs) roots.add(cert);
    return roots;
  }
  const ders = trust.certs ? trust.certs.map((c) => c.raw) : trust.pems.map((pem) => decodePem(pem)?.block.bytes);
  for (const der of ders) {
    if (!der) continue;
    try {
      roots.add(parseCertificate(der, rules));
    } catch {
      // AppendCertsFromPEM: a block this go cannot parse is not in its pool.
    }
  }
  return roots;
}

/**
 * A SecureContext offering Go's parameters; `sha1`: with SHA-1 handshake signatures (go ≤1.24).
 *
 * It holds no root: OpenSSL only carries the handshake (rejectUnauthorized: false) and the verdict is
 * the port of Go's Verify over the Go-side pool (judge). Roots in OpenSSL cost a run ~0.3 s of CPU for
 * evidence nobody judged: OpenSSL 3.0 decodes a PEM root in ~1 ms (150 in a Debian store), and the
 * first touch of a context's store (addCACert, allowPartialTrustChain) makes Node 20 build its own
 * bundled root store first (crypto_context.cc GetCertStoreOwnedByThisSecureContext compares against
 * GetOrCreateRootCertStore: ~146 more PEMs, 170-250 ms measured in a clean environment). `ca: []` keeps
 * createSecureContext from adding Node's roots (addRootCerts) too.
 */
function goSecureContext(sha1: boolean): SecureContext {
  return createSecureContext({
    // @SECLEVEL=0: OpenSSL 3 refuses SHA-1 handshake signatures at level 1 and up, go ≤1.24 does not.
    ciphers: sha1 ? `${GO_CIPHERS}:@SECLEVEL=0` : GO_CIPHERS,
    sigalgs: sha1 ? GO_SIGALGS : GO_SIGALGS_NO_SHA1,
    ecdhCurve: GO_CURVES,
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
    ca: [],
  });
}

/**
 * Builds the handshake's context ahead of the first handshake (node:tls loads with it): the first hop's
 * connect calls it while its SYN is out (net/services.ts warmUp).
 */
export function prepareHandshake(x509: X509Rules | undefined): void {
  handshakeContext(x509);
}

/** The context for the modelled go's handshake (default: go 1.23's, SHA-1 accepted). */
function handshakeContext(x509: X509Rules | undefined): SecureContext {
  if (x509?.acceptSha1HandshakeSignatures ?? true) return (contextSha1 ??= goSecureContext(true));
  return (contextNoSha1 ??= goSecureContext(false));
}

/** A pass-through stream in front of the raw socket that remembers what the peer sent first. */
class WireTap {
  readonly stream: Duplex;
  readonly raw: Socket;
  /** "a:port->b:port" as Go's net.OpError prints it, taken while the socket is still connected. */
  readonly addresses: string;
  captured = Buffer.alloc(0);
  received = 0;
  /** Bytes written before the peer's first byte: the client's first flight. */
  sentBeforeAnswer = 0;
  peerEnded = false;
  socketError: Error | undefined;
  /** The server's bytes until the handshake ends (stopFlight), for the certificates as sent. */
  readonly #flight: Buffer[] = [];
  #flightBytes = 0;
  #recordingFlight = true;
  flightTruncated = false;
  /**
   * Until the handshake is over: what the peer sent is counted, framed and captured for the failure's
   * description (classifyFailure). Past it the tap only passes bytes on: every HTTP response of the
   * connection goes through here, ~2,500 of them in a 500-module run.
   */
  #handshaking = true;

  /** Stops keeping the server's bytes and returns what was kept. */
  stopFlight(): Buffer {
    this.#recordingFlight = false;
    this.#handshaking = false;
    const all = Buffer.concat(this.#flight, this.#flightBytes);
    this.#flight.length = 0;
    return all;
  }
  // TLS record framing of everything received, so that an EOF can be told apart from an EOF inside a
  // record: go says "EOF" for the first, "unexpected EOF" for the second.
  #headerSeen = 0;
  readonly #header = Buffer.alloc(5);
  #recordLeft = 0;

  /** The peer's bytes stopped in the middle of a TLS record (or of its header). */
  get midRecord(): boolean {
    return this.#headerSeen > 0 || this.#recordLeft > 0;
  }

  #frame(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.#recordLeft > 0) {
        const take = Math.min(this.#recordLeft, chunk.length - off);
        this.#recordLeft -= take;
        off += take;
        continue;
      }
      this.#header[this.#headerSeen++] = chunk[off++]!;
      if (this.#headerSeen === 5) {
        this.#headerSeen = 0;
        this.#recordLeft = this.#header.readUInt16BE(3);
      }
    }
  }

  constructor(raw: Socket) {
    this.raw = raw;
    this.addresses = `${hostPort(raw.localAddress, raw.localPort)}->${hostPort(raw.remoteAddress, raw.remotePort)}`;
    this.stream = new Duplex({
      read: () => {
        raw.resume();
      },
      write: (chunk: Buffer, _enc, cb) => {
        if (this.#handshaking && this.received === 0) this.sentBeforeAnswer += chunk.length;
        if (raw.destroyed) cb(new Error('socket closed'));
        else raw.write(chunk, (err) => cb(err ?? null));
      },
      final: (cb) => {
        raw.end();
        cb();
      },
      destroy: (err, cb) => {
        raw.destroy();
        cb(err);
      },
    });
    raw.on('data', (chunk: Buffer) => {
      if (!this.#handshaking) {
        if (!this.stream.push(chunk)) raw.pause();
        return;
      }
      this.received += chunk.length;
      this.#frame(chunk);
      if (this.#recordingFlight) {
        const room = MAX_SERVER_FLIGHT_BYTES - this.#flightBytes;
        if (chunk.length > room) this.flightTruncated = true;
        const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
        if (kept.length > 0) {
          // A copy: the chunk's memory may be a slice of a larger pooled buffer.
          this.#flight.push(Buffer.from(kept));
          this.#flightBytes += kept.length;
        }
      }
      if (this.captured.length < WIRE_CAPTURE_BYTES) {
        this.captured = Buffer.concat([this.captured, chunk.subarray(0, WIRE_CAPTURE_BYTES - this.captured.length)]);
      }
      if (!this.stream.push(chunk)) raw.pause();
    });
    raw.on('end', () => {
      this.peerEnded = true;
      this.stream.push(null);
    });
    raw.on('error', (err) => {
      this.socketError = err;
      this.stream.destroy(err);
    });
    raw.on('close', () => {
      if (!this.peerEnded && !this.stream.destroyed) this.stream.push(null);
    });
  }
}

export async function tlsHandshake(socket: Socket, opts: TlsHandshakeOptions): Promise<TlsResult> {
  if (opts.signal.aborted) {
    socket.destroy();
    throw new TlsHandshakeError('tls.timeout', 'TLS handshake not started: the probe was aborted', {
      detail: `aborted before the handshake: ${abortReason(opts.signal)}`,
    });
  }
  // An empty pool would fail every handshake as an unknown authority: a verdict go never gave.
  if (opts.trust.notRead !== undefined) throw new Error(`TLS with a trust store that was not read (${opts.trust.notRead})`);
  const started = performance.now();
  const tap = new WireTap(socket);
  const servername = hostnameInSNI(opts.host);
  const tlsSocket = tlsConnect({
    socket: tap.stream,
    secureContext: handshakeContext(opts.x509),
    ...(servername ? { servername } : {}),
    ALPNProtocols: opts.alpn ?? ['h2', 'http/1.1'],
    rejectUnauthorized: false,
    // Go's name rules are applied below; OpenSSL's/Node's own host check must not run.
    checkServerIdentity: () => undefined,
  });
  // Errors after we return belong to the HTTP client; this keeps one from crashing the probe first.
  tlsSocket.on('error', () => {});
  // The TLS 1.3 handshake secret, to read the Certificate message as sent (peerchain.ts).
  const keylog: string[] = [];
  const onKeylog = (line: Buffer): void => {
    if (keylog.length < 16) keylog.push(line.toString('latin1'));
  };
  tlsSocket.on('keylog', onKeylog);

  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: TlsHandshakeError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
      tlsSocket.off('secureConnect', onSecure);
      tlsSocket.off('error', onError);
      tlsSocket.off('close', onClose);
      if (err) {
        tlsSocket.destroy();
        socket.destroy();
        reject(err);
      } else {
        resolve();
      }
    };
    const onSecure = (): void => finish();
    const onError = (err: Error): void => finish(classifyFailure(tap, err, opts));
    const onClose = (): void => finish(classifyFailure(tap, undefined, opts));
    const onAbort = (): void =>
      finish(
        new TlsHandshakeError('tls.timeout', 'TLS handshake aborted', {
          detail: `aborted during the handshake (${abortReason(opts.signal)}); ${describeWire(tap)}`,
          goError: 'net/http: TLS handshake timeout',
        }),
      );
    const timer = setTimeout(
      () =>
        finish(
          new TlsHandshakeError('tls.timeout', `TLS handshake did not complete within ${opts.timeoutMs} ms`, {
            detail: `no complete handshake after ${opts.timeoutMs} ms; ${describeWire(tap)}`,
            goError: 'net/http: TLS handshake timeout',
          }),
        ),
      opts.timeoutMs,
    );
    tlsSocket.once('secureConnect', onSecure);
    tlsSocket.once('error', onError);
    tlsSocket.once('close', onClose);
    opts.signal.addEventListener('abort', onAbort, { once: true });
  });

  tlsSocket.off('keylog', onKeylog);
  const cipher = tlsSocket.getCipher() as { standardName?: string; name: string } | undefined;
  const protocol = tlsSocket.getProtocol() ?? 'unknown';
  const presented = presentedChain(tlsSocket, {
    serverBytes: tap.stopFlight(),
    truncated: tap.flightTruncated,
    protocol,
    cipher: cipher?.standardName ?? '',
    keylog,
  });
  // The roots are parsed while the network waits run (PendingTrustStore): the first chain judged may
  // wait here for the last of them, as go's first Verify loads its roots (crypto/x509 root.go).
  await rootsIndexed(opts.trust);
  const material = trustMaterial(opts.trust, opts.x509);
  const { chain, verification, verifiedPath } = judgeOnce(presented, material, opts);
  return {
    protocol,
    cipher: cipher?.standardName ?? cipher?.name ?? 'unknown',
    alpn: tlsSocket.alpnProtocol ?? false,
    chain,
    verifiedPath,
    verification,
    socket: tlsSocket,
    helloBytes: tap.sentBeforeAnswer,
    handshakeMs: Math.round((performance.now() - started) * 10) / 10,
  };
}

function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r.message;
  return r === undefined ? 'aborted' : String(r);
}

/**
 * The peer's certificates in the order sent (at most MAX_CHAIN, a repeated one once): read from the
 * handshake bytes (peerchain.ts says why not from Node's leaking getPeerX509Certificate), which
 * remains only for a flight those bytes cannot describe (kept in part, or not a TLS 1.2/1.3 one).
 */
function presentedChain(s: TLSSocket, capture: HandshakeCapture): Buffer[] {
  const out: Buffer[] = [];
  const seen = new Set<string>();
  const sent = capture.truncated ? undefined : sentCertificates(capture);
  if (sent) {
    for (const der of sent) {
      const sum = sha256Hex(der);
      if (out.length >= MAX_CHAIN || seen.has(sum)) break;
      seen.add(sum);
      out.push(Buffer.from(der));
    }
    return out;
  }
  let cert: X509Certificate | undefined = s.getPeerX509Certificate();
  while (cert && out.length < MAX_CHAIN && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    out.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The verdict (crypto/tls verifyServerCertificate + x509 Verify)

/** A chain that verified, described and judged once in a run (judgeOnce). */
interface KnownChain {
  readonly chain: readonly CertInfo[];
  readonly verifiedPath: readonly string[];
  /** Where every certificate of the verified path is valid (ms since the epoch): the verdict holds only inside. */
  readonly validFrom: number;
  readonly validUntil: number;
}

/** Per run: the rules object is built once per run (stages/netsetup.ts), the store is the run's. */
const knownChains = new WeakMap<X509Rules, WeakMap<TrustStore, Map<string, KnownChain>>>();

function knownChainsOf(x509: X509Rules, trust: TrustStore): Map<string, KnownChain> {
  let byTrust = knownChains.get(x509);
  if (!byTrust) knownChains.set(x509, (byTrust = new WeakMap()));
  let known = byTrust.get(trust);
  if (!known) byTrust.set(trust, (known = new Map()));
  return known;
}

/**
 * The chain's description and go's verdict, once per run for each chain a host presents: a 500-module
 * run opens ~130 connections to two hosts that present the same two chains, and parsing, describing and
 * verifying them on every handshake was ~7% of its CPU. Go verifies on every handshake; its verdict is a
 * function of the chain, the host name, the pool, the rules and the time, so a verified chain is reused
 * for the same host only while the time is inside its verified path's validity, and only within the run.
 * A chain that failed is judged again every time.
 */
function judgeOnce(presented: Buffer[], material: TrustMaterial, opts: TlsHandshakeOptions): { chain: CertInfo[]; verification: TlsVerification; verifiedPath: string[] } {
  const now = (opts.now ?? new Date()).getTime();
  const known = opts.x509 ? knownChainsOf(opts.x509, opts.trust) : undefined;
  const key = known ? `${opts.host}\n${presented.map(sha256Hex).join('\n')}` : '';
  const seen = known?.get(key);
  if (seen && now >= seen.validFrom && now <= seen.validUntil) return { chain: [...seen.chain], verification: { ok: true }, verifiedPath: [...seen.verifiedPath] };
  const chain = presented.map((der) => describeCertificate(der, opts.trust, opts.x509));
  const { verification, verifiedPath, validity } = judge(presented, material, opts);
  if (known && validity) known.set(key, { chain, verifiedPath, validFrom: validity.from, validUntil: validity.until });
  return { chain: [...chain], verification, verifiedPath: [...verifiedPath] };
}

function judge(
  presented: Buffer[],
  material: TrustMaterial,
  opts: TlsHandshakeOptions,
): { verification: TlsVerification; verifiedPath: string[]; validity?: { from: number; until: number } } {
  const bad = (goError: string): { verification: TlsVerification; verifiedPath: string[] } => ({
    verification: { ok: false, cause: 'tls.bad_certificate', goError },
    verifiedPath: [],
  });
  if (presented.length === 0) return bad('tls: received empty certificates message');

  const certs: ParsedCertificate[] = [];
  for (const der of presented) {
    try {
      const c = parseCertificate(der, opts.x509 ?? { acceptNegativeSerial: false });
      if (c.publicKeyAlgorithm === 'RSA' && (c.rsaBits ?? 0) > MAX_RSA_BITS) {
        return bad(`tls: server sent certificate containing RSA key larger than ${MAX_RSA_BITS} bits`);
      }
      certs.push(c);
    } catch (err) {
      const msg = err instanceof CertificateParseError ? err.message : String(err);
      return bad(`tls: failed to parse certificate from server: ${msg}`);
    }
  }
  const leaf = certs[0]!;
  const intermediates = new CertPool();
  for (const c of certs.slice(1)) intermediates.add(c);
  const result = verifyCertificate(leaf, {
    roots: material.roots,
    ...(opts.trust.error !== undefined ? { rootsError: opts.trust.error.replace(/^x509: failed to load system roots and no roots provided; /, '') } : {}),
    intermediates,
    dnsName: opts.host.startsWith('[') && opts.host.endsWith(']') ? opts.host.slice(1, -1) : opts.host,
    now: opts.now ?? new Date(),
    ...(opts.x509 ? { sha1OverrideHint: opts.x509.sha1OverrideHint, rules: opts.x509 } : {}),
  });
  if (result.ok) {
    // After the chain, go checks the server's handshake signature, made with the leaf's key: crypto/rsa
    // refuses keys under 1024 bits from go 1.24 (rsa1024min). Measured against a TLS 1.2 server with a
    // 512-bit leaf: go 1.24.4 and 1.27.3 fail with this text, go 1.23.5 connects.
    const minBits = opts.x509?.minRsaBits ?? 0;
    if (leaf.publicKeyAlgorithm === 'RSA' && leaf.rsaBits !== undefined && leaf.rsaBits < minBits) {
      return bad(`tls: invalid signature by the server certificate: crypto/rsa: ${leaf.rsaBits}-bit keys are insecure (see https://go.dev/pkg/crypto/rsa#hdr-Minimum_key_size)`);
    }
    const path = result.chains[0]!;
    return {
      verification: { ok: true },
      verifiedPath: path.map((c) => sha256Hex(c.raw)),
      validity: { from: Math.max(...path.map((c) => c.notBefore.getTime())), until: Math.min(...path.map((c) => c.notAfter.getTime())) },
    };
  }
  return { verification: verdictFor(result.error, certs, material, opts.trust), verifiedPath: [] };
}

function verdictFor(err: X509Error, certs: ParsedCertificate[], material: TrustMaterial, trust: TrustStore): TlsVerification {
  const goError = `tls: failed to verify certificate: ${err.message}`;
  const about = err.cert ? ` (${formatName(err.cert.subject) || 'no subject'})` : '';
  switch (err.kind) {
    case 'system_roots':
      return {
        ok: false,
        cause: 'tls.no_roots',
        goError,
        diagnosisDetail: `no root certificates could be loaded: ${trust.error ?? err.message}`,
      };
    case 'expired':
    case 'not_yet_valid':
      return {
        ok: false,
        cause: err.kind === 'expired' ? 'tls.expired' : 'tls.not_yet_valid',
        goError,
        diagnosisDetail: `${err.cert === certs[0] ? 'the server certificate' : 'a CA certificate on the only path to a trusted root'}${about} is ${
          err.kind === 'expired' ? 'expired' : 'not valid yet'
        }`,
      };
    case 'hostname':
      return { ok: false, cause: 'tls.name_mismatch', goError };
    case 'unknown_authority': {
      if (!storeHasRoots(trust)) {
        return {
          ok: false,
          cause: 'tls.no_roots',
          goError,
          diagnosisDetail: `the trust store is empty (read: ${storePaths(trust).join(', ') || 'nothing'}): mount a CA bundle or set SSL_CERT_FILE/SSL_CERT_DIR`,
        };
      }
      return { ok: false, cause: 'tls.unknown_authority', goError, ...diagnoseUnknownAuthority(certs, material, err) };
    }
    default:
      return { ok: false, cause: 'tls.bad_certificate', goError, diagnosisDetail: `${err.message}${about}` };
  }
}

/** Names of TLS-inspection products and of the CNs they give their forging CAs. */
const INSPECTION_PATTERNS: readonly [RegExp, string][] = [
  [/zscaler/i, 'Zscaler'],
  [/netskope/i, 'Netskope'],
  [/palo ?alto/i, 'Palo Alto Networks'],
  [/fortinet|fortigate/i, 'Fortinet FortiGate'],
  [/blue ?coat/i, 'Blue Coat'],
  [/symantec.*(proxy|visibility|inspection)|(proxy|visibility).*symantec/i, 'Symantec (Blue Coat)'],
  [/cisco umbrella|opendns/i, 'Cisco Umbrella'],
  [/mitmproxy/i, 'mitmproxy'],
  [/sophos/i, 'Sophos'],
  [/forcepoint|websense/i, 'Forcepoint'],
  [/check ?point/i, 'Check Point'],
  [/kaspersky/i, 'Kaspersky'],
  [/\bavast\b/i, 'Avast'],
  [/\bavg\b/i, 'AVG'],
  [/\beset\b/i, 'ESET'],
  [/bitdefender/i, 'Bitdefender'],
  [/fiddler/i, 'Fiddler'],
  [/charles proxy/i, 'Charles Proxy'],
  [/portswigger|burp/i, 'Burp Suite'],
  [/mcafee web gateway|skyhigh/i, 'McAfee/Skyhigh Web Gateway'],
  [/barracuda/i, 'Barracuda'],
  [/sonicwall/i, 'SonicWall'],
  [/watchguard/i, 'WatchGuard'],
  [/iboss/i, 'iboss'],
  [/menlo security/i, 'Menlo Security'],
  [/cloudflare gateway|cloudflare for teams/i, 'Cloudflare Gateway'],
  [/squid/i, 'Squid'],
];
const INSPECTION_CN_WORDS = /\b(proxy|inspection|intercept(ion|ing)?|decrypt(ion)?|ssl visibility)\b/i;
/** A CN that is a host name ("proxy.corp.example") names a server, not a forging CA. */
const HOSTNAME_LIKE = /^[A-Za-z0-9_*-]+(\.[A-Za-z0-9_-]+)+\.?$/;

function inspectionProduct(c: ParsedCertificate, which: 'subject' | 'issuer'): string | undefined {
  const n = c[which];
  const texts = [n.commonName, ...n.organization, ...n.organizationalUnit];
  for (const [re, product] of INSPECTION_PATTERNS) if (texts.some((t) => re.test(t))) return product;
  if (INSPECTION_CN_WORDS.test(n.commonName) && !HOSTNAME_LIKE.test(n.commonName)) return `"${n.commonName}"`;
  return undefined;
}

/** Why the chain leads nowhere trusted: the top of what the server sent, and who issued it. */
function diagnoseUnknownAuthority(
  certs: ParsedCertificate[],
  material: TrustMaterial,
  err: X509Error,
): Pick<TlsVerification, 'diagnosis' | 'diagnosisDetail'> {
  const leaf = certs[0]!;
  // Follow issuer links through what was presented, leaf first.
  const path = [leaf];
  for (let cur = leaf; path.length < MAX_CHAIN; ) {
    const next = certs.find((c) => !path.includes(c) && cur.rawIssuer.equals(c.rawSubject) && signedBy(cur, c));
    if (!next) break;
    path.push(next);
    cur = next;
  }
  const top = path[path.length - 1]!;
  const topSelfSigned = isSelfSigned(top);
  const topName = `"${formatName(top.subject)}"`;
  const issuerName = `"${formatName(top.issuer)}"`;

  // A self-signed leaf has no issuer to judge; its own name is the host's.
  const product =
    top === leaf && topSelfSigned
      ? undefined
      : (inspectionProduct(top, 'issuer') ?? path.slice(1).map((c) => inspectionProduct(c, 'subject')).find((p) => p !== undefined));
  if (product) {
    return {
      diagnosis: 'intercepting_proxy',
      diagnosisDetail: `the certificate for this host was issued by ${issuerName}, which looks like a TLS-inspecting proxy (${product}) and is not in the trust store: the connection is being intercepted. Add that proxy's root CA to the trust store (SSL_CERT_FILE/SSL_CERT_DIR) or exempt the host from inspection`,
    };
  }
  if (top === leaf && topSelfSigned) {
    return {
      diagnosis: 'self_signed_leaf',
      diagnosisDetail: `the server presented a self-signed certificate ${topName} that is not in the trust store: trust that exact certificate or give the server one issued by a trusted CA`,
    };
  }
  if (topSelfSigned) {
    return {
      diagnosis: 'untrusted_root',
      diagnosisDetail: `the chain ends at the root ${topName}, sent by the server but not in the trust store: add it to the trust store if it is your organisation's CA`,
    };
  }
  // crypto/rsa (rsa1024min, go 1.24+): the issuer was found, but its key is too small to verify with.
  const weakKey = err.hint && /^crypto\/rsa: \d+-bit keys are insecure/.test(err.hint.error.message) ? err.hint.cert : undefined;
  if (weakKey) {
    return {
      diagnosis: 'weak_ca_key',
      diagnosisDetail: `the CA certificate "${formatName(weakKey.subject)}" has a ${weakKey.rsaBits ?? '?'}-bit RSA key, which go 1.24+ refuses for verifying signatures (crypto/rsa rsa1024min): reissue that CA with a 2048-bit key, or set GODEBUG=rsa1024min=0 in the build's environment meanwhile`,
    };
  }
  const lookalike = material.roots?.bySubject(top.rawIssuer)[0];
  if (lookalike && err.hint) {
    return {
      diagnosis: 'untrusted_root',
      diagnosisDetail: `the trust store holds a certificate named ${issuerName}, but not the one that signed ${topName} (${err.hint.error.message}): the CA was re-keyed or the bundle is stale`,
    };
  }
  if (top === leaf && leaf.issuingCertificateURL.length > 0) {
    return {
      diagnosis: 'missing_intermediate',
      diagnosisDetail: `the server sent only its own certificate; its issuer ${issuerName} is neither sent nor in the trust store. The certificate says the issuer can be fetched from ${leaf.issuingCertificateURL[0]}: browsers do that, Go does not. Configure the server to send the full chain`,
    };
  }
  return {
    diagnosis: 'private_ca',
    diagnosisDetail: `the chain ends at ${topName}, issued by ${issuerName}, which is neither sent by the server nor in the trust store. If that is your organisation's CA, add it to the trust store (SSL_CERT_FILE/SSL_CERT_DIR); if it is an intermediate, the server must send it`,
  };
}

// ---------------------------------------------------------------------------------------------
// Failures before the handshake completes

/** OpenSSL reason names (ERR_SSL_SSLV3_ALERT_…, ERR_SSL_TLSV1_ALERT_…) to alert numbers. */
const OPENSSL_ALERTS: Readonly<Record<string, number>> = {
  UNEXPECTED_MESSAGE: 10, BAD_RECORD_MAC: 20, DECRYPTION_FAILED: 21, RECORD_OVERFLOW: 22, DECOMPRESSION_FAILURE: 30,
  HANDSHAKE_FAILURE: 40, BAD_CERTIFICATE: 42, UNSUPPORTED_CERTIFICATE: 43, CERTIFICATE_REVOKED: 44,
  CERTIFICATE_EXPIRED: 45, CERTIFICATE_UNKNOWN: 46, ILLEGAL_PARAMETER: 47, UNKNOWN_CA: 48, ACCESS_DENIED: 49,
  DECODE_ERROR: 50, DECRYPT_ERROR: 51, EXPORT_RESTRICTION: 60, PROTOCOL_VERSION: 70, INSUFFICIENT_SECURITY: 71,
  INTERNAL_ERROR: 80, INAPPROPRIATE_FALLBACK: 86, USER_CANCELLED: 90, NO_RENEGOTIATION: 100,
  MISSING_EXTENSION: 109, UNSUPPORTED_EXTENSION: 110, CERTIFICATE_UNOBTAINABLE: 111, UNRECOGNIZED_NAME: 112,
  BAD_CERTIFICATE_STATUS_RESPONSE: 113, BAD_CERTIFICATE_HASH_VALUE: 114, UNKNOWN_PSK_IDENTITY: 115,
  CERTIFICATE_REQUIRED: 116, NO_APPLICATION_PROTOCOL: 120,
};

/** Go's first-record check (conn.go readRecordOrCCS): handshake or alert, version below 0x1000. */
function firstRecordLooksLikeTls(b: Buffer): boolean {
  if (b.length < 3) return true; // not enough to judge: Go would still be reading the header
  const type = b[0]!;
  const version = (b[1]! << 8) | b[2]!;
  return (type === 21 || type === 22) && version < 0x1000;
}

/** A plaintext alert in the captured bytes (a server refusing our ClientHello sends one). */
function plaintextAlert(b: Buffer): number | undefined {
  let off = 0;
  for (let records = 0; records < 16 && off + 5 <= b.length; records++) {
    const type = b[off]!;
    const len = b.readUInt16BE(off + 3);
    if (type === 21 && len === 2 && off + 7 <= b.length) return b[off + 6]!;
    // Only the first flight is plaintext: stop at anything but a handshake record.
    if (type !== 22) return undefined;
    off += 5 + len;
  }
  return undefined;
}

/** Printable rendering of bytes: ASCII as is, the rest escaped, capped. */
export function printableBytes(b: Buffer, max = QUOTE_BYTES): string {
  let s = '';
  for (const byte of b.subarray(0, max)) {
    if (byte === 0x0d) s += '\\r';
    else if (byte === 0x0a) s += '\\n';
    else if (byte === 0x5c) s += '\\\\';
    else if (byte >= 0x20 && byte < 0x7f) s += String.fromCharCode(byte);
    else s += '\\x' + byte.toString(16).padStart(2, '0');
  }
  return b.length > max ? `${s}…` : s;
}

function describeWire(tap: WireTap): string {
  if (tap.received === 0) return 'the peer sent nothing';
  const tlsLike = firstRecordLooksLikeTls(tap.captured);
  return `the peer sent ${tap.received} bytes${tlsLike ? '' : ' that are not TLS'}: "${printableBytes(tap.captured)}"`;
}

function hostPort(addr: string | undefined, port: number | undefined): string {
  if (!addr) return '?';
  return addr.includes(':') ? `[${addr}]:${port ?? '?'}` : `${addr}:${port ?? '?'}`;
}

function classifyFailure(tap: WireTap, err: Error | undefined, opts: TlsHandshakeOptions): TlsHandshakeError {
  const openssl = err ? `${(err as { code?: string }).code ?? 'error'}: ${err.message}` : 'connection closed';
  if (tap.received > 0 && !firstRecordLooksLikeTls(tap.captured)) {
    const http = tap.captured.subarray(0, 5).toString('latin1') === 'HTTP/';
    return new TlsHandshakeError('tls.protocol', `the peer at ${joinHostPort(opts.host, opts.port)} does not speak TLS`, {
      detail: describeWire(tap),
      goError: http ? 'http: server gave HTTP response to HTTPS client' : 'tls: first record does not look like a TLS handshake',
      cause: err,
    });
  }
  let alert = plaintextAlert(tap.captured);
  const m = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(.+)$/.exec((err as { code?: string } | undefined)?.code ?? '');
  if (alert === undefined && m) alert = OPENSSL_ALERTS[m[1]!];
  if (alert !== undefined) {
    return new TlsHandshakeError('tls.handshake_failed', `the server refused the handshake: ${alertText(alert)}`, {
      detail: `the server sent TLS alert ${alert} (${ALERT_TEXT[alert] ?? 'unknown'}); ${openssl}${alert === ALERT_HANDSHAKE_FAILURE && opts.x509 && !opts.x509.acceptSha1HandshakeSignatures ? SHA1_REFUSED_NOTE : ''}`,
      goError: `remote error: ${alertText(alert)}`,
      cause: err,
    });
  }
  const sockErr = (tap.socketError as { code?: string } | undefined)?.code;
  if (sockErr === 'ECONNRESET') {
    return new TlsHandshakeError('tls.handshake_failed', 'the connection was reset during the TLS handshake', {
      detail: `connection reset by the peer during the handshake; ${describeWire(tap)}`,
      goError: `read tcp ${tap.addresses}: read: connection reset by peer`,
      cause: err,
    });
  }
  if (tap.peerEnded || !err) {
    return new TlsHandshakeError('tls.handshake_failed', 'the peer closed the connection during the TLS handshake', {
      detail: `the peer closed the connection before the handshake completed; ${describeWire(tap)}`,
      goError: tap.midRecord ? 'unexpected EOF' : 'EOF',
      cause: err,
    });
  }
  const reason = opensslReason(err.message);
  const oversized = oversizedHandshake(tap.captured);
  return new TlsHandshakeError('tls.handshake_failed', `TLS handshake failed: ${reason}`, {
    detail: `${(err as { code?: string }).code ?? 'error'}: ${reason}; ${describeWire(tap)}`,
    ...(oversized !== undefined ? { goError: `tls: handshake message of length ${oversized} bytes exceeds maximum of ${GO_MAX_HANDSHAKE} bytes` } : {}),
    cause: err,
  });
}

const ALERT_HANDSHAKE_FAILURE = 40;
/** Why a handshake_failure alert is likely when the modelled go refuses SHA-1 (the server found no signature algorithm it shares with go). */
const SHA1_REFUSED_NOTE =
  '; the modelled go (1.25+) offers no SHA-1 signature algorithm in TLS 1.2, so a server that signs only with SHA-1 answers this way (GODEBUG=tlssha1=1 restores them; go ≤1.24 connects)';

/**
 * OpenSSL's error-queue line ("805C…:error:0A000098:SSL routines:read_state_machine:excessive message
 * size:../deps/openssl/…/statem.c:609:") down to its reason: the rest is the probe's internals.
 */
function opensslReason(message: string): string {
  const m = /:error:[0-9A-Fa-f]+:[^:]*:[^:]*:([^:\n]+)/.exec(message);
  return (m ? m[1]! : message).trim();
}

/** crypto/tls's maxHandshake: a longer handshake message (other than Certificate, 256 KiB) ends go's handshake. */
const GO_MAX_HANDSHAKE = 65536;

/** The declared length of the first plaintext handshake message when it exceeds go's limit. */
function oversizedHandshake(b: Buffer): number | undefined {
  if (b.length < 9 || b[0] !== 22) return undefined;
  const type = b[5]!;
  const len = (b[6]! << 16) | (b[7]! << 8) | b[8]!;
  const limit = type === 11 ? 262144 : GO_MAX_HANDSHAKE;
  return len > limit ? len : undefined;
}
