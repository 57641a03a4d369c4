// go's TLS ClientHello on the wire: parsed (to record what a real go sends) and built (so that the probe
// offers the same bytes as the go it models, which Node's OpenSSL 3.0 cannot: it has no ML-KEM).
//
// The layout follows crypto/tls: handshake_client.go makeClientHello, handshake_messages.go
// (clientHelloMsg.marshal, which fixes the extension order), defaults.go (groups, signature
// algorithms, cipher suites per version and GODEBUG).

import { createECDH, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { godebugValues } from '../goenv/godebug.js';
import { hostnameInSNI } from './tlswire.js';

/** Extension type numbers (IANA), the ones go and OpenSSL send. */
export const EXT = {
  server_name: 0,
  status_request: 5,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  alpn: 16,
  signed_certificate_timestamp: 18,
  padding: 21,
  encrypt_then_mac: 22,
  extended_master_secret: 23,
  session_ticket: 35,
  supported_versions: 43,
  psk_key_exchange_modes: 45,
  signature_algorithms_cert: 50,
  key_share: 51,
  renegotiation_info: 0xff01,
} as const;

/** Named groups (IANA) that go knows. */
export const GROUP_NAMES: Readonly<Record<number, string>> = {
  0x0017: 'P-256',
  0x0018: 'P-384',
  0x0019: 'P-521',
  0x001d: 'x25519',
  0x0200: 'MLKEM1024',
  0x11eb: 'SecP256r1MLKEM768',
  0x11ec: 'X25519MLKEM768',
  0x11ed: 'SecP384r1MLKEM1024',
  0x6399: 'X25519Kyber768Draft00',
};

export function groupName(id: number): string {
  return GROUP_NAMES[id] ?? `0x${id.toString(16).padStart(4, '0')}`;
}

export interface KeyShare {
  readonly group: number;
  readonly bytes: number;
}

/** The fields of a ClientHello that a middlebox (or a comparison with go) can see. */
export interface ClientHelloFields {
  /** Bytes of the TLS record, header included. */
  readonly recordBytes: number;
  readonly recordVersion: number;
  readonly legacyVersion: number;
  readonly sessionIdBytes: number;
  readonly cipherSuites: readonly number[];
  readonly compressionMethods: readonly number[];
  /** Extension types in the order sent. */
  readonly extensions: readonly number[];
  readonly serverName?: string;
  readonly supportedGroups: readonly number[];
  readonly keyShares: readonly KeyShare[];
  readonly signatureAlgorithms: readonly number[];
  readonly signatureAlgorithmsCert: readonly number[];
  readonly alpn: readonly string[];
  readonly supportedVersions: readonly number[];
  readonly pointFormats: readonly number[];
  readonly pskModes: readonly number[];
}

export class ClientHelloParseError extends Error {
  override readonly name = 'ClientHelloParseError';
}

/** A bounds-checked reader over one buffer. */
class Reader {
  #off = 0;
  constructor(private readonly b: Buffer) {}
  get left(): number {
    return this.b.length - this.#off;
  }
  u8(): number {
    this.need(1);
    return this.b[this.#off++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.b.readUInt16BE(this.#off);
    this.#off += 2;
    return v;
  }
  u24(): number {
    this.need(3);
    const v = this.b.readUIntBE(this.#off, 3);
    this.#off += 3;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.b.subarray(this.#off, this.#off + n);
    this.#off += n;
    return v;
  }
  /** A length-prefixed (8, 16 or 24 bits) sub-reader. */
  vec(lenBytes: 1 | 2 | 3): Reader {
    const n = lenBytes === 1 ? this.u8() : lenBytes === 2 ? this.u16() : this.u24();
    return new Reader(this.bytes(n));
  }
  u16s(): number[] {
    const out: number[] = [];
    while (this.left > 0) out.push(this.u16());
    return out;
  }
  private need(n: number): void {
    if (this.left < n) throw new ClientHelloParseError('truncated ClientHello');
  }
}

/** The record length declared by a TLS record header, or undefined while fewer than 5 bytes are in. */
export function recordLength(b: Buffer): number | undefined {
  return b.length >= 5 ? 5 + b.readUInt16BE(3) : undefined;
}

/** Parses one TLS record holding a ClientHello (go sends it in a single record). */
export function parseClientHello(record: Buffer): ClientHelloFields {
  const r = new Reader(record);
  if (r.u8() !== 22) throw new ClientHelloParseError('not a handshake record');
  const recordVersion = r.u16();
  const body = r.vec(2);
  if (body.u8() !== 1) throw new ClientHelloParseError('not a ClientHello');
  const h = body.vec(3);
  const legacyVersion = h.u16();
  h.bytes(32);
  const sessionIdBytes = h.vec(1).left;
  const cipherSuites = h.vec(2).u16s();
  const comp = h.vec(1);
  const compressionMethods: number[] = [];
  while (comp.left > 0) compressionMethods.push(comp.u8());
  const fields = {
    recordBytes: record.length,
    recordVersion,
    legacyVersion,
    sessionIdBytes,
    cipherSuites,
    compressionMethods,
    extensions: [] as number[],
    supportedGroups: [] as number[],
    keyShares: [] as KeyShare[],
    signatureAlgorithms: [] as number[],
    signatureAlgorithmsCert: [] as number[],
    alpn: [] as string[],
    supportedVersions: [] as number[],
    pointFormats: [] as number[],
    pskModes: [] as number[],
  };
  let serverName: string | undefined;
  const done = (): ClientHelloFields => (serverName === undefined ? fields : { ...fields, serverName });
  if (h.left === 0) return done();
  const exts = h.vec(2);
  while (exts.left > 0) {
    const type = exts.u16();
    const data = exts.vec(2);
    fields.extensions.push(type);
    switch (type) {
      case EXT.server_name: {
        const list = data.vec(2);
        while (list.left > 0) {
          const kind = list.u8();
          const name = list.vec(2);
          if (kind === 0) serverName = name.bytes(name.left).toString('latin1');
        }
        break;
      }
      case EXT.supported_groups:
        fields.supportedGroups = data.vec(2).u16s();
        break;
      case EXT.ec_point_formats: {
        const pf = data.vec(1);
        while (pf.left > 0) fields.pointFormats.push(pf.u8());
        break;
      }
      case EXT.signature_algorithms:
        fields.signatureAlgorithms = data.vec(2).u16s();
        break;
      case EXT.signature_algorithms_cert:
        fields.signatureAlgorithmsCert = data.vec(2).u16s();
        break;
      case EXT.alpn: {
        const list = data.vec(2);
        while (list.left > 0) {
          const p = list.vec(1);
          fields.alpn.push(p.bytes(p.left).toString('latin1'));
        }
        break;
      }
      case EXT.supported_versions:
        fields.supportedVersions = data.vec(1).u16s();
        break;
      case EXT.psk_key_exchange_modes: {
        const m = data.vec(1);
        while (m.left > 0) fields.pskModes.push(m.u8());
        break;
      }
      case EXT.key_share: {
        const list = data.vec(2);
        while (list.left > 0) {
          const group = list.u16();
          fields.keyShares.push({ group, bytes: list.vec(2).left });
        }
        break;
      }
      default:
        break;
    }
  }
  return done();
}

// ---------------------------------------------------------------------------------------------
// The hello the modelled go sends

/** The go whose bytes the probe sends: its minor version (1.x) and the GODEBUG it runs with. */
export interface GoTlsModel {
  readonly minor: number;
  /** The GODEBUG environment value as the build sets it ('' when unset), read as goenv/godebug.ts reads it. */
  readonly godebug: string;
}

/** What the modelled go offers; everything in the order go sends it. */
export interface HelloProfile {
  readonly cipherSuites: readonly number[];
  readonly groups: readonly number[];
  /** The groups go makes a key share for (crypto/tls: the first group, plus its ECDH fallback). */
  readonly keyShareGroups: readonly number[];
  readonly signatureAlgorithms: readonly number[];
  /** Sent as signature_algorithms_cert only when non-empty (go 1.27; not 1.23/1.24). */
  readonly signatureAlgorithmsCert: readonly number[];
  /** Empty: no ALPN extension (GODEBUG=http2client=0). */
  readonly alpn: readonly string[];
}

const X25519 = 0x001d;
const P256 = 0x0017;
const P384 = 0x0018;
const P521 = 0x0019;
const X25519MLKEM768 = 0x11ec;
const SECP256R1MLKEM768 = 0x11eb;
const SECP384R1MLKEM1024 = 0x11ed;
const X25519KYBER768DRAFT00 = 0x6399;

// cipher_suites.go cipherSuitesPreferenceOrder (AES-GCM hardware, as on amd64 and arm64 servers), with
// the two groups GODEBUG can bring back: RSA key exchange (tlsrsakex) and 3DES (tls3des).
const ECDHE_SUITES = [0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013, 0xc00a, 0xc014];
const RSA_KEX_SUITES = [0x009c, 0x009d, 0x002f, 0x0035];
const ECDHE_3DES = 0xc012;
const RSA_3DES = 0x000a; // RSA key exchange and 3DES: needs both settings
const TLS13_SUITES = [0x1301, 0x1302, 0x1303];

// defaults.go defaultSupportedSignatureAlgorithms: PSS-SHA256, ECDSA-P256, Ed25519, PSS-SHA384/512,
// PKCS1-SHA256/384/512, ECDSA-P384/P521, then the SHA-1 pair; go 1.27 puts ML-DSA-44/65/87 first.
const MLDSA = [0x0904, 0x0905, 0x0906];
const SIGALGS = [0x0804, 0x0403, 0x0807, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0503, 0x0603];
const SHA1_SIGALGS = [0x0201, 0x0203];

/**
 * The cmd/go binary's own GODEBUG defaults for the TLS settings, which are not always the release's:
 * `go version -m` on Debian's go 1.23.5 shows DefaultGODEBUG=tls3des=1,tlskyber=0,tlsrsakex=1, and its
 * hello (recorded) offers RSA key exchange and 3DES but no Kyber. go 1.24 and 1.27 use their defaults.
 */
function cmdGoDefault(minor: number, key: string): string | undefined {
  if (minor <= 23) return ({ tls3des: '1', tlskyber: '0', tlsrsakex: '1' } as Record<string, string>)[key];
  return undefined;
}

/**
 * The ClientHello parameters of `go mod download` for a go version and GODEBUG (crypto/tls defaults.go,
 * common.go curvePreferences/supportedSignatureAlgorithms, handshake_client.go makeClientHello).
 * Measured (go 1.23.5, 1.24.4, 1.27.3): the record test compares this with each go's real hello.
 * Versions in between (1.25, 1.26) follow the source's changes: tlssha1 (1.25), tlssecpmlkem (1.26);
 * ML-DSA and signature_algorithms_cert are taken as 1.27's (not measured on 1.25/1.26).
 */
export function goHelloProfile(model: GoTlsModel): HelloProfile {
  const { minor } = model;
  const godebug = godebugValues(model.godebug);
  const setting = (key: string): string | undefined => godebug.get(key) ?? cmdGoDefault(minor, key);
  const groups: number[] = [];
  if (minor === 23 && setting('tlskyber') === '1') groups.push(X25519KYBER768DRAFT00);
  const mlkem = minor >= 24 && setting('tlsmlkem') !== '0';
  if (mlkem) groups.push(X25519MLKEM768);
  if (mlkem && minor >= 26 && setting('tlssecpmlkem') !== '0') groups.push(SECP256R1MLKEM768, SECP384R1MLKEM1024);
  groups.push(X25519, P256, P384, P521);

  // The first group gets a share; a hybrid adds its ECDH half's group as a second share.
  const first = groups[0]!;
  const fallback = first === X25519MLKEM768 || first === X25519KYBER768DRAFT00 ? X25519 : first === SECP256R1MLKEM768 ? P256 : undefined;
  const keyShareGroups = fallback !== undefined && groups.includes(fallback) ? [first, fallback] : [first];

  // tlsrsakex and tls3des were removed in 1.27 (internal/godebugs/table.go): the suites stay off.
  const rsaKex = minor < 27 && setting('tlsrsakex') === '1';
  const tdes = minor < 27 && setting('tls3des') === '1';
  const cipherSuites = [
    ...ECDHE_SUITES,
    ...(rsaKex ? RSA_KEX_SUITES : []),
    ...(tdes ? [ECDHE_3DES] : []),
    ...(tdes && rsaKex ? [RSA_3DES] : []),
    ...TLS13_SUITES,
  ];

  // Go 1.25 dropped SHA-1 signatures in TLS 1.2 unless tlssha1=1; the _cert list keeps every algorithm.
  const sha1 = minor < 25 || setting('tlssha1') === '1';
  const signatureAlgorithms = minor >= 27 ? [...MLDSA, ...SIGALGS, ...(sha1 ? SHA1_SIGALGS : [])] : [...SIGALGS, ...SHA1_SIGALGS];
  const signatureAlgorithmsCert = minor >= 27 ? [...MLDSA, ...SIGALGS, ...SHA1_SIGALGS] : [];
  // net/http's transport offers h2 by ALPN (transport.go onceSetNextProtoDefaults); with http2client=0 it
  // configures no NextProtos at all, and the hello has no ALPN extension (recorded from 1.23, 1.24, 1.27).
  return { cipherSuites, groups, keyShareGroups, signatureAlgorithms, signatureAlgorithmsCert, alpn: goAlpn(model) };
}

/** The ALPN protocols go offers (net/http transport.go): h2 and http/1.1, none with GODEBUG=http2client=0. */
export function goAlpn(model: GoTlsModel): readonly string[] {
  return godebugValues(model.godebug).get('http2client') === '0' ? [] : ['h2', 'http/1.1'];
}

/** Bytes of go's key share for a group (crypto/tls key_schedule.go, handshake_client.go). */
export function keyShareBytes(group: number): number {
  switch (group) {
    case X25519:
      return 32;
    case P256:
      return 65;
    case P384:
      return 97;
    case P521:
      return 133;
    case X25519MLKEM768:
    case X25519KYBER768DRAFT00:
      return MLKEM768_EK_BYTES + 32;
    case SECP256R1MLKEM768:
      return 65 + MLKEM768_EK_BYTES;
    case SECP384R1MLKEM1024:
      return 97 + MLKEM1024_EK_BYTES;
    default:
      throw new RangeError(`no key share size for group ${groupName(group)}`);
  }
}

/** An ML-KEM encapsulation key: k·256 twelve-bit coefficients below q = 3329, then the 32-byte seed ρ. */
const MLKEM_Q = 3329;
const MLKEM768_EK_BYTES = 3 * 384 + 32;
const MLKEM1024_EK_BYTES = 4 * 384 + 32;

/**
 * A well-formed ML-KEM encapsulation key (FIPS 203 ByteEncode12 of random coefficients mod q, plus a
 * seed): a server that picks the hybrid can encapsulate to it, and the probe never needs the secret
 * key, since it stops at the server's first answer.
 */
export function mlkemEncapsulationKey(k: 3 | 4, random: (n: number) => Buffer): Buffer {
  const out = Buffer.alloc(k * 384 + 32);
  const raw = random(k * 256 * 2);
  for (let i = 0; i < k * 128; i++) {
    const a = raw.readUInt16LE(4 * i) % MLKEM_Q;
    const b = raw.readUInt16LE(4 * i + 2) % MLKEM_Q;
    out[3 * i] = a & 0xff;
    out[3 * i + 1] = (a >> 8) | ((b & 0x0f) << 4);
    out[3 * i + 2] = b >> 4;
  }
  random(32).copy(out, k * 384);
  return out;
}

/**
 * An X25519 public value: 32 random bytes with the top bit clear, as every u-coordinate a real key
 * gives (RFC 7748 5); the probe never needs the private key, since it stops at the server's first
 * answer. Not a generated KeyObject: Node 20 can deadlock exporting one (ExportJWKEdKey holds the
 * key's mutex, a GC during the export destroys the KeyGenJob, whose destructor takes the same mutex):
 * a `gomodprobe serve` was found hung that way on a futex after ~800 runs, not even answering
 * /-/healthy.
 */
function x25519PublicValue(): Buffer {
  const u = randomBytes(32);
  u[31]! &= 0x7f;
  return u;
}

function ecdhPublicKey(group: number): Buffer {
  if (group === X25519) return x25519PublicValue();
  const curve = group === P256 ? 'prime256v1' : group === P384 ? 'secp384r1' : 'secp521r1';
  const ecdh = createECDH(curve);
  return ecdh.generateKeys();
}

/** The share's bytes, laid out as go lays them out (the hybrids' halves in their drafts' order). */
function keyShareData(group: number): Buffer {
  switch (group) {
    case X25519MLKEM768:
      return Buffer.concat([mlkemEncapsulationKey(3, randomBytes), ecdhPublicKey(X25519)]);
    case X25519KYBER768DRAFT00:
      return Buffer.concat([ecdhPublicKey(X25519), mlkemEncapsulationKey(3, randomBytes)]);
    case SECP256R1MLKEM768:
      return Buffer.concat([ecdhPublicKey(P256), mlkemEncapsulationKey(3, randomBytes)]);
    case SECP384R1MLKEM1024:
      return Buffer.concat([ecdhPublicKey(P384), mlkemEncapsulationKey(4, randomBytes)]);
    default:
      return ecdhPublicKey(group);
  }
}

/** A TLS byte-string builder: length-prefixed blocks, as cryptobyte.Builder writes them. */
class Writer {
  readonly #parts: Buffer[] = [];
  u8(v: number): this {
    this.#parts.push(Buffer.from([v]));
    return this;
  }
  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    this.#parts.push(b);
    return this;
  }
  bytes(b: Buffer): this {
    this.#parts.push(b);
    return this;
  }
  /** A block prefixed with its length in 1, 2 or 3 bytes. */
  vec(lenBytes: 1 | 2 | 3, fill: (w: Writer) => void): this {
    const inner = new Writer();
    fill(inner);
    const body = inner.done();
    const len = Buffer.alloc(lenBytes);
    len.writeUIntBE(body.length, 0, lenBytes);
    this.#parts.push(len, body);
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.#parts);
  }
}

/**
 * The ClientHello record go sends for this profile (handshake_messages.go clientHelloMsg.marshal, which
 * fixes the extension order). host is as in the URL: no SNI for an IP literal (hostnameInSNI).
 */
export function buildClientHello(profile: HelloProfile, host: string): Buffer {
  const serverName = hostnameInSNI(host);
  const ext = (w: Writer, type: number, fill: (w: Writer) => void): void => {
    w.u16(type).vec(2, fill);
  };
  const u16list = (w: Writer, list: readonly number[]): void => {
    w.vec(2, (l) => list.forEach((v) => l.u16(v)));
  };
  const body = new Writer()
    .u16(0x0303)
    .bytes(randomBytes(32))
    .vec(1, (w) => w.bytes(randomBytes(32)))
    .vec(2, (w) => profile.cipherSuites.forEach((c) => w.u16(c)))
    .vec(1, (w) => w.u8(0))
    .vec(2, (w) => {
      if (serverName) ext(w, EXT.server_name, (e) => e.vec(2, (l) => l.u8(0).vec(2, (n) => n.bytes(Buffer.from(serverName, 'latin1')))));
      ext(w, EXT.ec_point_formats, (e) => e.vec(1, (l) => l.u8(0)));
      ext(w, EXT.renegotiation_info, (e) => e.vec(1, () => {}));
      ext(w, EXT.extended_master_secret, () => {});
      ext(w, EXT.signed_certificate_timestamp, () => {});
      ext(w, EXT.status_request, (e) => e.u8(1).u16(0).u16(0));
      ext(w, EXT.supported_groups, (e) => u16list(e, profile.groups));
      ext(w, EXT.signature_algorithms, (e) => u16list(e, profile.signatureAlgorithms));
      if (profile.signatureAlgorithmsCert.length > 0) ext(w, EXT.signature_algorithms_cert, (e) => u16list(e, profile.signatureAlgorithmsCert));
      if (profile.alpn.length > 0) ext(w, EXT.alpn, (e) => e.vec(2, (l) => profile.alpn.forEach((p) => l.vec(1, (x) => x.bytes(Buffer.from(p, 'latin1'))))));
      ext(w, EXT.supported_versions, (e) => e.vec(1, (l) => l.u16(0x0304).u16(0x0303)));
      ext(w, EXT.key_share, (e) => e.vec(2, (l) => profile.keyShareGroups.forEach((g) => l.u16(g).vec(2, (s) => s.bytes(keyShareData(g))))));
    })
    .done();
  const handshake = new Writer().u8(1).vec(3, (w) => w.bytes(body)).done();
  // The record layer says TLS 1.0 for the first hello (conn.go writeRecordLocked).
  return new Writer().u8(22).u16(0x0301).vec(2, (w) => w.bytes(handshake)).done();
}

// ---------------------------------------------------------------------------------------------
// Sending it, and what comes back

/** HelloRetryRequest is a ServerHello with this random (RFC 8446 4.1.3). */
const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');
/** Enough of the answer to tell a ServerHello from an HRR: record header, handshake header, version, random. */
const ANSWER_BYTES = 5 + 4 + 2 + 32;

export type HelloAnswerKind =
  | 'server_hello' // the server went on with go's hello
  | 'hello_retry' // it asked for another key share: also a server that read the hello
  | 'alert' // it refused the hello
  | 'not_tls' // something that is not TLS answered
  | 'reset' // the connection was reset after the hello
  | 'closed' // the connection was closed after the hello, without a word
  | 'timeout'; // nothing came back

export interface HelloAnswer {
  readonly kind: HelloAnswerKind;
  /** Bytes of the hello sent. */
  readonly sentBytes: number;
  readonly ms: number;
  /** The alert's description number, for kind 'alert'. */
  readonly alert?: number;
  /** "local->remote" as Go's net.OpError prints it, taken while connected. */
  readonly addresses: string;
}

/**
 * Writes a ClientHello on a connected socket (direct, or a CONNECT tunnel) and waits for the first
 * answer; the socket is destroyed afterwards. Bounded by timeoutMs and the signal; reads at most a few
 * dozen bytes.
 */
export function sendHello(socket: Socket, hello: Buffer, opts: { readonly signal: AbortSignal; readonly timeoutMs: number }): Promise<HelloAnswer> {
  const started = performance.now();
  const addresses = `${hostPort(socket.localAddress, socket.localPort)}->${hostPort(socket.remoteAddress, socket.remotePort)}`;
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const finish = (kind: HelloAnswerKind, alert?: number): void => {
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.on('error', () => {});
      socket.destroy();
      resolve({ kind, sentBytes: hello.length, ms: Math.round((performance.now() - started) * 10) / 10, addresses, ...(alert !== undefined ? { alert } : {}) });
    };
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]).subarray(0, ANSWER_BYTES);
      const type = buf[0]!;
      if (type !== 22 && type !== 21) return finish('not_tls');
      if (type === 21) {
        if (buf.length >= 7) finish('alert', buf[6]);
        return;
      }
      if (buf.length < ANSWER_BYTES) return;
      if (buf[5] !== 2) return finish('not_tls');
      finish(buf.subarray(11, 43).equals(HRR_RANDOM) ? 'hello_retry' : 'server_hello');
    };
    const onError = (err: Error): void => finish((err as { code?: string }).code === 'ECONNRESET' ? 'reset' : 'closed');
    const onClose = (): void => finish('closed');
    const onAbort = (): void => finish('timeout');
    const timer = setTimeout(onAbort, opts.timeoutMs);
    if (opts.signal.aborted) return onAbort();
    opts.signal.addEventListener('abort', onAbort, { once: true });
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.resume();
    socket.write(hello);
  });
}

function hostPort(addr: string | undefined, port: number | undefined): string {
  if (!addr) return '?';
  return addr.includes(':') ? `[${addr}]:${port ?? '?'}` : `${addr}:${port ?? '?'}`;
}
