// The certificates the server sent, in the order it sent them (what Go's ConnectionState.
// PeerCertificates holds), read from the handshake bytes themselves: the Certificate message is in
// clear in TLS 1.2 and encrypted under the server handshake traffic secret in TLS 1.3 (RFC 8446 7.3),
// which Node hands out through the socket's 'keylog' event.
//
// Why not Node's API: TLSSocket.getPeerX509Certificate() (Node 20 crypto_x509.cc X509Certificate::
// GetPeerCert and its constructor) takes each intermediate out of the SSL's peer chain with
// sk_X509_delete() after X509_dup(), so the original is never freed: ~8.5 KB of native memory per
// handshake that a long-running `gomodprobe serve` never gets back. getPeerCertificate(true) does not
// leak but orders the chain by issuer, drops sent certificates that chain to nothing and appends
// issuers from the context's trust store that the server never sent.

import { createDecipheriv, createHmac } from 'node:crypto';

/** The most handshake bytes kept from the server: Go's maxHandshakeCertificateMsg (256 KiB, crypto/tls common.go) and room for the rest of the flight. */
export const MAX_SERVER_FLIGHT_BYTES = 320 * 1024;

const RECORD_CHANGE_CIPHER_SPEC = 20;
const RECORD_HANDSHAKE = 22;
const RECORD_APPLICATION_DATA = 23;
const HANDSHAKE_CERTIFICATE = 11;
const AEAD_TAG_BYTES = 16;

/** TLS 1.3 suites (RFC 8446 B.4) as Node's getCipher().standardName names them. */
const TLS13_SUITES: Readonly<Record<string, { cipher: string; keyBytes: number; hash: 'sha256' | 'sha384' }>> = {
  TLS_AES_128_GCM_SHA256: { cipher: 'aes-128-gcm', keyBytes: 16, hash: 'sha256' },
  TLS_AES_256_GCM_SHA384: { cipher: 'aes-256-gcm', keyBytes: 32, hash: 'sha384' },
  TLS_CHACHA20_POLY1305_SHA256: { cipher: 'chacha20-poly1305', keyBytes: 32, hash: 'sha256' },
};

export interface HandshakeCapture {
  /** The bytes the server sent up to the end of the handshake, at most MAX_SERVER_FLIGHT_BYTES. */
  readonly serverBytes: Buffer;
  /** True when the server sent more than was kept. */
  readonly truncated: boolean;
  /** 'TLSv1.2' or 'TLSv1.3' (TLSSocket.getProtocol()). */
  readonly protocol: string;
  /** TLSSocket.getCipher().standardName. */
  readonly cipher: string;
  /** The NSS key log lines the socket emitted ('keylog' events). */
  readonly keylog: readonly string[];
}

/** HKDF-Expand-Label (RFC 8446 7.1) with an empty context. */
function expandLabel(hash: 'sha256' | 'sha384', secret: Buffer, label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, full.length]), full, Buffer.from([0])]);
  // HKDF-Expand (RFC 5869 2.3): T(i) = HMAC(secret, T(i-1) | info | i).
  const out: Buffer[] = [];
  let t = Buffer.alloc(0);
  for (let i = 1, have = 0; have < length; i++) {
    t = createHmac(hash, secret).update(Buffer.concat([t, info, Buffer.from([i])])).digest();
    out.push(t);
    have += t.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** The TLS 1.3 record decrypter for the server's handshake records, or undefined without its secret. */
function serverHandshakeDecrypter(capture: HandshakeCapture): ((header: Buffer, body: Buffer) => Buffer | undefined) | undefined {
  const suite = TLS13_SUITES[capture.cipher];
  const line = capture.keylog.find((l) => l.startsWith('SERVER_HANDSHAKE_TRAFFIC_SECRET '));
  const hex = line?.trim().split(' ')[2];
  if (!suite || !hex) return undefined;
  const secret = Buffer.from(hex, 'hex');
  const key = expandLabel(suite.hash, secret, 'key', suite.keyBytes);
  const iv = expandLabel(suite.hash, secret, 'iv', 12);
  let seq = 0n;
  return (header, body) => {
    if (body.length < AEAD_TAG_BYTES + 1) return undefined;
    // The per-record nonce (RFC 8446 5.3): the IV XORed with the 64-bit record sequence number.
    const nonce = Buffer.from(iv);
    const seqBytes = Buffer.alloc(8);
    seqBytes.writeBigUInt64BE(seq++);
    for (let i = 0; i < 8; i++) nonce[4 + i]! ^= seqBytes[i]!;
    try {
      const d = createDecipheriv(suite.cipher as 'aes-128-gcm', key, nonce, { authTagLength: AEAD_TAG_BYTES });
      d.setAAD(header);
      d.setAuthTag(body.subarray(body.length - AEAD_TAG_BYTES));
      const inner = Buffer.concat([d.update(body.subarray(0, body.length - AEAD_TAG_BYTES)), d.final()]);
      // TLSInnerPlaintext: content, the real content type, zero padding.
      let end = inner.length;
      while (end > 0 && inner[end - 1] === 0) end--;
      if (end === 0 || inner[end - 1] !== RECORD_HANDSHAKE) return undefined;
      return inner.subarray(0, end - 1);
    } catch {
      return undefined;
    }
  };
}

/** The certificate_list of a Certificate message body (RFC 5246 7.4.2; RFC 8446 4.4.2 with its context and extensions). */
function certificateList(body: Buffer, tls13: boolean): Buffer[] | undefined {
  let off = 0;
  if (tls13) {
    if (body.length < 1) return undefined;
    off = 1 + body[0]!;
  }
  if (body.length < off + 3) return undefined;
  const listEnd = off + 3 + body.readUIntBE(off, 3);
  if (listEnd !== body.length) return undefined;
  off += 3;
  const certs: Buffer[] = [];
  while (off < listEnd) {
    if (listEnd - off < 3) return undefined;
    const len = body.readUIntBE(off, 3);
    off += 3;
    if (len === 0 || off + len > listEnd) return undefined;
    certs.push(body.subarray(off, off + len));
    off += len;
    if (tls13) {
      if (listEnd - off < 2) return undefined;
      off += 2 + body.readUInt16BE(off);
      if (off > listEnd) return undefined;
    }
  }
  return certs;
}

/**
 * The DER certificates of the server's Certificate message, in the order sent; undefined when the
 * captured bytes do not hold one that can be read (then the caller has nothing better than Node's API).
 */
export function sentCertificates(capture: HandshakeCapture): Buffer[] | undefined {
  const tls13 = capture.protocol === 'TLSv1.3';
  if (!tls13 && capture.protocol !== 'TLSv1.2') return undefined;
  const decrypt = tls13 ? serverHandshakeDecrypter(capture) : undefined;
  if (tls13 && !decrypt) return undefined;
  const bytes = capture.serverBytes;
  // Handshake messages span records (and records hold several messages): reassemble them here.
  let pending = Buffer.alloc(0);
  for (let off = 0; off + 5 <= bytes.length; ) {
    const header = bytes.subarray(off, off + 5);
    const type = header[0]!;
    const end = off + 5 + header.readUInt16BE(3);
    if (end > bytes.length) return undefined;
    const body = bytes.subarray(off + 5, end);
    off = end;
    let fragment: Buffer | undefined;
    if (type === RECORD_HANDSHAKE) fragment = body;
    else if (type === RECORD_APPLICATION_DATA && decrypt) fragment = decrypt(header, body);
    else if (type === RECORD_CHANGE_CIPHER_SPEC && tls13) continue; // middlebox compatibility (RFC 8446 D.4)
    else return undefined; // a TLS 1.2 ChangeCipherSpec before any Certificate, an alert, or garbage
    if (!fragment) return undefined;
    pending = Buffer.concat([pending, fragment]);
    while (pending.length >= 4) {
      const len = pending.readUIntBE(1, 3);
      if (pending.length < 4 + len) break;
      if (pending[0] === HANDSHAKE_CERTIFICATE) return certificateList(pending.subarray(4, 4 + len), tls13);
      pending = pending.subarray(4 + len);
    }
  }
  return undefined;
}
