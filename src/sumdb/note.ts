// Signed notes, exactly as golang.org/x/mod/sumdb/note: verifier/signer key strings, Open and Sign.
// Only Ed25519 (algorithm byte 0x01) exists. Error texts are Go's, so they can be shown as `go` shows them.

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { ParseError } from '../errors.js';

export class NoteError extends ParseError {
  constructor(code: NoteErrorCode, message: string) {
    super(code, message);
    this.name = 'NoteError';
  }
}

export type NoteErrorCode =
  | 'note.malformed_verifier'
  | 'note.invalid_verifier_hash'
  | 'note.unknown_algorithm'
  | 'note.malformed_signer'
  | 'note.invalid_signer_hash'
  | 'note.invalid_signer'
  | 'note.malformed'
  | 'note.invalid_signature'
  | 'note.no_verifiable_signatures'
  | 'note.ambiguous_key';

export interface Verifier {
  readonly name: string;
  /** The key hash (uint32) that prefixes every signature made with this key. */
  readonly hash: number;
  readonly key: KeyObject;
  readonly keyString: string;
}

export interface Signer {
  name: string;
  hash: number;
  sign(msg: Uint8Array): Uint8Array;
  /** The verifier key string of this signer's public key. */
  keyString: string;
}

export interface NoteSignature {
  name: string;
  hash: number;
}

export interface OpenedNote {
  text: string;
  sigs: NoteSignature[];
  unverified: NoteSignature[];
}

const ALG_ED25519 = 1;

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * base64.StdEncoding.DecodeString: padded standard alphabet, '\r' and '\n' skipped anywhere, trailing
 * bits not checked. Undefined where Go returns an error (Buffer.from alone accepts almost anything).
 */
export function decodeStdBase64(s: string): Uint8Array | undefined {
  const t = s.includes('\r') || s.includes('\n') ? s.replace(/[\r\n]/g, '') : s;
  if (!STD_BASE64.test(t)) return undefined;
  return new Uint8Array(Buffer.from(t, 'base64'));
}

export function encodeStdBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/**
 * Valid UTF-8 (as utf8.DecodeRune: no overlongs, surrogates or code points above U+10FFFF) with no
 * control character below U+0020 other than '\n': the rule for note and record text.
 */
export function isValidUtf8NoControls(b: Uint8Array, opts: { noBlankLines?: boolean } = {}): boolean {
  let prevNewline = false;
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      if (c < 0x20 && c !== 0x0a) return false;
      if (opts.noBlankLines && c === 0x0a && prevNewline) return false;
      prevNewline = c === 0x0a;
      i++;
      continue;
    }
    prevNewline = false;
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return false;
    const c1 = b[i + 1];
    if (c1 === undefined || c1 < lo || c1 > hi) return false;
    for (let k = 2; k <= need; k++) {
      const ck = b[i + k];
      if (ck === undefined || ck < 0x80 || ck > 0xbf) return false;
    }
    i += need + 1;
  }
  return true;
}
const MAX_SIGNATURES = 100;
// PKCS#8 DER wrapping of a raw 32-byte Ed25519 seed (RFC 8410), and SPKI of a raw public key.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** note.keyHash: first 4 bytes (big-endian) of SHA-256(name || "\n" || alg || key). */
export function keyHash(name: string, algAndKey: Uint8Array): number {
  const sum = createHash('sha256').update(name, 'utf8').update('\n').update(algAndKey).digest();
  return sum.readUInt32BE(0);
}

/** unicode.IsSpace: Latin-1 spaces plus the White_Space property (not U+FEFF, unlike JS \s). */
function isGoSpace(cp: number): boolean {
  if (cp <= 0xff) return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d) || cp === 0x85 || cp === 0xa0;
  return (
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}

/** note.isValidName: non-empty, valid UTF-8, no Unicode space, no '+'. */
export function isValidName(name: string): boolean {
  if (name === '' || name.includes('+')) return false;
  for (const ch of name) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) return false; // a lone surrogate is not valid UTF-8
    if (isGoSpace(cp)) return false;
  }
  return true;
}

/** strings.Cut-like chop at the first sep; when absent, after is "". */
function chop(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + sep.length)];
}

/** strconv.ParseUint(s, 16, 32) for the 8-digit case the callers require. */
function parseHash16(hash16: string): number | undefined {
  return /^[0-9a-fA-F]{8}$/.test(hash16) ? Number.parseInt(hash16, 16) : undefined;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function ed25519PublicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** note.NewVerifier. */
export function parseVerifierKey(vkey: string): Verifier {
  const [name, rest] = chop(vkey, '+');
  const [hash16, key64] = chop(rest, '+');
  const hash = parseHash16(hash16);
  const key = decodeStdBase64(key64);
  if (hash === undefined || key === undefined || !isValidName(name) || key.length === 0) {
    throw new NoteError('note.malformed_verifier', 'malformed verifier id');
  }
  if (hash !== keyHash(name, key)) {
    throw new NoteError('note.invalid_verifier_hash', 'invalid verifier hash');
  }
  if (key[0] !== ALG_ED25519) {
    throw new NoteError('note.unknown_algorithm', 'unknown verifier algorithm');
  }
  const raw = key.subarray(1);
  if (raw.length !== 32) throw new NoteError('note.malformed_verifier', 'malformed verifier id');
  return Object.freeze({ name, hash, key: ed25519PublicKey(raw), keyString: vkey });
}

/** note.NewSigner: "PRIVATE+KEY+<name>+<hash>+<base64(alg || seed)>". Go reuses the verifier texts. */
export function parseSignerKey(skey: string): Signer {
  const [priv1, r1] = chop(skey, '+');
  const [priv2, r2] = chop(r1, '+');
  const [name, r3] = chop(r2, '+');
  const [hash16, key64] = chop(r3, '+');
  const hash = parseHash16(hash16);
  const key = decodeStdBase64(key64);
  if (
    priv1 !== 'PRIVATE' ||
    priv2 !== 'KEY' ||
    hash === undefined ||
    key === undefined ||
    !isValidName(name) ||
    key.length === 0
  ) {
    throw new NoteError('note.malformed_signer', 'malformed verifier id');
  }
  if (key[0] !== ALG_ED25519) throw new NoteError('note.unknown_algorithm', 'unknown verifier algorithm');
  const seed = key.subarray(1);
  if (seed.length !== 32) throw new NoteError('note.malformed_signer', 'malformed verifier id');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const pub = rawPublicKey(createPublicKey(privateKey));
  const pubkey = Buffer.concat([Buffer.of(ALG_ED25519), pub]);
  if (hash !== keyHash(name, pubkey)) {
    throw new NoteError('note.invalid_signer_hash', 'invalid verifier hash');
  }
  return {
    name,
    hash,
    keyString: `${name}+${hex8(hash)}+${encodeStdBase64(pubkey)}`,
    sign: (msg) => new Uint8Array(sign(null, msg, privateKey)),
  };
}

function rawPublicKey(pub: KeyObject): Buffer {
  const der = pub.export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32);
}

/** note.GenerateKey. */
export function generateKey(name: string): { signerKey: string; verifierKey: string } {
  if (!isValidName(name)) throw new NoteError('note.invalid_signer', 'invalid signer');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  const seed = pkcs8.subarray(pkcs8.length - 32);
  const pubkey = Buffer.concat([Buffer.of(ALG_ED25519), rawPublicKey(publicKey)]);
  const h = hex8(keyHash(name, pubkey));
  return {
    signerKey: `PRIVATE+KEY+${name}+${h}+${encodeStdBase64(Buffer.concat([Buffer.of(ALG_ED25519), seed]))}`,
    verifierKey: `${name}+${h}+${encodeStdBase64(pubkey)}`,
  };
}

/** note.Sign for a note with no existing signatures. */
export function signNote(text: string, ...signers: Signer[]): string {
  if (!text.endsWith('\n')) throw new NoteError('note.malformed', 'malformed note');
  const textBytes = Buffer.from(text, 'utf8');
  let sigs = '';
  for (const s of signers) {
    if (!isValidName(s.name)) throw new NoteError('note.invalid_signer', 'invalid signer');
    const hbuf = Buffer.alloc(4);
    hbuf.writeUInt32BE(s.hash >>> 0);
    sigs += `— ${s.name} ${encodeStdBase64(Buffer.concat([hbuf, s.sign(textBytes)]))}\n`;
  }
  return `${text}\n${sigs}`;
}

const SIG_PREFIX = Buffer.from('— ', 'utf8');

function lastIndexOfBlankLine(msg: Uint8Array): number {
  for (let i = msg.length - 2; i >= 0; i--) {
    if (msg[i] === 0x0a && msg[i + 1] === 0x0a) return i;
  }
  return -1;
}

function startsWith(b: Uint8Array, prefix: Uint8Array): boolean {
  if (b.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[i] !== prefix[i]) return false;
  return true;
}

function ed25519Verify(key: KeyObject, msg: Uint8Array, sig: Uint8Array): boolean {
  if (sig.length !== 64) return false; // ed25519.Verify's own length check
  try {
    return verify(null, msg, key, sig);
  } catch {
    return false;
  }
}

/**
 * note.Open. Throws NoteError: 'note.malformed', 'note.invalid_signature' (a known key whose signature
 * does not verify: the text was changed or signed by another private key with the same name and hash),
 * 'note.no_verifiable_signatures' (no signature from a known key; `unverified` on the error lists them).
 */
export function openNote(msg: Uint8Array | string, verifiers: readonly Verifier[]): OpenedNote {
  const bytes = typeof msg === 'string' ? Buffer.from(msg, 'utf8') : msg;
  const malformed = () => new NoteError('note.malformed', 'malformed note');
  if (!isValidUtf8NoControls(bytes)) throw malformed();

  const split = lastIndexOfBlankLine(bytes);
  if (split < 0) throw malformed();
  const text = bytes.subarray(0, split + 1);
  let sigs = bytes.subarray(split + 2);
  if (sigs.length === 0 || sigs[sigs.length - 1] !== 0x0a) throw malformed();

  const known = new Map<string, Verifier[]>();
  for (const v of verifiers) {
    const k = `${v.name}+${hex8(v.hash)}`;
    known.set(k, [...(known.get(k) ?? []), v]);
  }

  const note: OpenedNote = { text: Buffer.from(text).toString('utf8'), sigs: [], unverified: [] };
  const seen = new Set<string>();
  const seenUnverified = new Set<string>();
  let numSig = 0;
  while (sigs.length > 0) {
    const nl = sigs.indexOf(0x0a);
    let line = sigs.subarray(0, nl);
    sigs = sigs.subarray(nl + 1);
    if (!startsWith(line, SIG_PREFIX)) throw malformed();
    line = line.subarray(SIG_PREFIX.length);
    const lineText = Buffer.from(line).toString('utf8');
    const [name, b64] = chop(lineText, ' ');
    const sig = decodeStdBase64(b64);
    if (sig === undefined || !isValidName(name) || b64 === '' || sig.length < 5) throw malformed();
    const hash = Buffer.from(sig.subarray(0, 4)).readUInt32BE(0);
    const rawSig = sig.subarray(4);
    if (++numSig > MAX_SIGNATURES) throw malformed();

    const key = `${name}+${hex8(hash)}`;
    const candidates = known.get(key);
    if (candidates === undefined) {
      if (seenUnverified.has(lineText)) continue;
      seenUnverified.add(lineText);
      note.unverified.push({ name, hash });
      continue;
    }
    if (candidates.length > 1) throw new NoteError('note.ambiguous_key', `ambiguous key ${key}`);
    if (seen.has(key)) continue;
    seen.add(key);
    if (!ed25519Verify(candidates[0]!.key, text, rawSig)) {
      throw new NoteError('note.invalid_signature', `invalid signature for key ${key}`);
    }
    note.sigs.push({ name, hash });
  }
  if (note.sigs.length === 0) throw new UnverifiedNoteError(note.unverified);
  return note;
}

/** note.UnverifiedNoteError: the note parsed, but no known key signed it. */
export class UnverifiedNoteError extends NoteError {
  readonly unverified: readonly NoteSignature[];
  constructor(unverified: readonly NoteSignature[]) {
    super('note.no_verifiable_signatures', 'note has no verifiable signatures');
    this.name = 'UnverifiedNoteError';
    this.unverified = unverified;
  }
}

export function formatKeyId(sig: NoteSignature): string {
  return `${sig.name}+${hex8(sig.hash)}`;
}
