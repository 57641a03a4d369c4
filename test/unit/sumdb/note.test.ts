import { describe, expect, it } from 'vitest';
import { SUM_GOLANG_ORG_KEY } from '../../../src/goenv/gosumdb.js';
import {
  NoteError,
  UnverifiedNoteError,
  decodeStdBase64,
  generateKey,
  keyHash,
  openNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from '../../../src/sumdb/note.js';
import { recordedTlogVectors } from '../../vectors/record.js';

// golang.org/x/mod/sumdb/note package doc and note_test.go.
const PN_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PN_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PN_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PN_NOTE = `${PN_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

// A real sum.golang.org tree head (go-fetch-semantics.md §3.5).
const SUM_NOTE =
  'go.sum database tree\n31700353\nqINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=\n\n' +
  '— sum.golang.org Az3grnmrIUEDFqHzAElIQCPNoRFRAAdFo47fooyWKMHb89k11GJh5zHIfNCOBmwn/C3YI8oW9/C8DJ87F61QqspBYwM=\n';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(NoteError);
    return (err as NoteError).code + ': ' + (err as NoteError).message;
  }
  return 'no error';
}

/** Changes one character of the signed text (not the signature block). */
function flipOneTextChar(note: string, at: number): string {
  const c = note[at]!;
  return note.slice(0, at) + (c === 'a' ? 'b' : 'a') + note.slice(at + 1);
}

describe('verifier keys', () => {
  it('parses the PeterNeumann and sum.golang.org keys', () => {
    const pn = parseVerifierKey(PN_VKEY);
    expect(pn.name).toBe('PeterNeumann');
    expect(pn.hash).toBe(0xc74f20a3);
    const sum = parseVerifierKey(SUM_GOLANG_ORG_KEY);
    expect(sum.name).toBe('sum.golang.org');
    expect(sum.hash.toString(16)).toBe('33de0ae');
    expect(keyHash('sum.golang.org', decodeStdBase64('Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8')!)).toBe(0x033de0ae);
  });

  it.each([
    ['', 'note.malformed_verifier: malformed verifier id'],
    ['sum.golang.org', 'note.malformed_verifier: malformed verifier id'],
    ['PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'note.malformed_verifier: malformed verifier id'],
    ['PeterNeumann+c74f20ag+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'note.malformed_verifier: malformed verifier id'],
    ['PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T', 'note.malformed_verifier: malformed verifier id'],
    ['Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'note.malformed_verifier: malformed verifier id'],
    ['PeterNeumann+c74f20a3+', 'note.malformed_verifier: malformed verifier id'],
    ['PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'note.invalid_verifier_hash: invalid verifier hash'],
    ['PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'no error'],
    ['sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn9', 'note.invalid_verifier_hash: invalid verifier hash'],
  ])('%s -> %s', (key, want) => {
    expect(codeOf(() => parseVerifierKey(key))).toBe(want);
  });

  it('reports an unknown algorithm when the key hash matches but the algorithm byte is not Ed25519', () => {
    const key = Buffer.concat([Buffer.of(2), Buffer.alloc(32, 7)]);
    const h = keyHash('x.example', key).toString(16).padStart(8, '0');
    expect(codeOf(() => parseVerifierKey(`x.example+${h}+${key.toString('base64')}`))).toBe(
      'note.unknown_algorithm: unknown verifier algorithm',
    );
    // Ed25519 with a 31-byte key: Go checks the hash first, then the length.
    const short = Buffer.concat([Buffer.of(1), Buffer.alloc(31, 7)]);
    const hs = keyHash('x.example', short).toString(16).padStart(8, '0');
    expect(codeOf(() => parseVerifierKey(`x.example+${hs}+${short.toString('base64')}`))).toBe(
      'note.malformed_verifier: malformed verifier id',
    );
  });
});

describe('openNote', () => {
  it('verifies the PeterNeumann note', () => {
    const n = openNote(PN_NOTE, [parseVerifierKey(PN_VKEY)]);
    expect(n.text).toBe(PN_TEXT);
    expect(n.sigs).toEqual([{ name: 'PeterNeumann', hash: 0xc74f20a3 }]);
    expect(n.unverified).toEqual([]);
  });

  it('verifies the real sum.golang.org tree head with the default key', () => {
    const n = openNote(Buffer.from(SUM_NOTE), [parseVerifierKey(SUM_GOLANG_ORG_KEY)]);
    expect(n.text).toBe('go.sum database tree\n31700353\nqINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=\n');
    expect(n.sigs).toEqual([{ name: 'sum.golang.org', hash: 0x033de0ae }]);
  });

  it.each([
    ['PeterNeumann', PN_NOTE, PN_VKEY, 'invalid signature for key PeterNeumann+c74f20a3'],
    ['sum.golang.org', SUM_NOTE, SUM_GOLANG_ORG_KEY, 'invalid signature for key sum.golang.org+033de0ae'],
  ])('rejects a %s note with one byte of text changed, at every position', (_n, note, vkey, msg) => {
    const v = parseVerifierKey(vkey);
    const textLen = note.lastIndexOf('\n\n') + 1;
    for (let at = 0; at < textLen - 1; at++) {
      if (note[at] === '\n') continue;
      const e = (() => {
        try {
          openNote(flipOneTextChar(note, at), [v]);
        } catch (err) {
          return err as NoteError;
        }
        throw new Error(`accepted a note changed at ${at}`);
      })();
      expect(e.code).toBe('note.invalid_signature');
      expect(e.message).toBe(msg);
    }
  });

  it('rejects with the wrong key: no verifiable signatures, and the other signer is listed', () => {
    const { verifierKey } = generateKey('sum.golang.org');
    try {
      openNote(SUM_NOTE, [parseVerifierKey(verifierKey)]);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UnverifiedNoteError);
      expect((err as UnverifiedNoteError).code).toBe('note.no_verifiable_signatures');
      expect((err as UnverifiedNoteError).message).toBe('note has no verifiable signatures');
      expect((err as UnverifiedNoteError).unverified).toEqual([{ name: 'sum.golang.org', hash: 0x033de0ae }]);
    }
    expect(codeOf(() => openNote(PN_NOTE, [parseVerifierKey(SUM_GOLANG_ORG_KEY)]))).toBe(
      'note.no_verifiable_signatures: note has no verifiable signatures',
    );
  });

  it.each([
    ['no blank line', PN_TEXT + '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n'],
    ['no final newline', PN_NOTE.slice(0, -1)],
    ['a hyphen instead of an em dash', PN_NOTE.replace('— ', '- ')],
    ['a control character', PN_NOTE.replace('problem,', 'problem\t')],
    ['bad base64', PN_NOTE.replace('AM=\n', 'A!=\n')],
    ['a signature under 5 bytes', `${PN_TEXT}\n— PeterNeumann AAAA\n`],
    ['an empty signature block', `${PN_TEXT}\n\n`],
  ])('rejects a malformed note: %s', (_what, note) => {
    expect(codeOf(() => openNote(note, [parseVerifierKey(PN_VKEY)]))).toBe('note.malformed: malformed note');
  });

  it('rejects invalid UTF-8 and more than 100 signatures', () => {
    const bad = Buffer.concat([Buffer.from(PN_TEXT.slice(0, 5)), Buffer.of(0xff), Buffer.from(PN_NOTE.slice(5))]);
    expect(codeOf(() => openNote(bad, [parseVerifierKey(PN_VKEY)]))).toBe('note.malformed: malformed note');
    const sigLine = PN_NOTE.slice(PN_NOTE.lastIndexOf('\n\n') + 2);
    const many = `${PN_TEXT}\n${sigLine.repeat(101)}`;
    expect(codeOf(() => openNote(many, [parseVerifierKey(PN_VKEY)]))).toBe('note.malformed: malformed note');
    // 100 identical signatures are fine: duplicates are dropped.
    expect(openNote(`${PN_TEXT}\n${sigLine.repeat(100)}`, [parseVerifierKey(PN_VKEY)]).sigs).toHaveLength(1);
  });
});

describe('signing', () => {
  it('signs exactly as Go does (Ed25519 is deterministic)', () => {
    const signer = parseSignerKey(PN_SKEY);
    expect(signer.keyString).toBe(PN_VKEY);
    expect(signNote(PN_TEXT, signer)).toBe(PN_NOTE);
    for (const go of recordedTlogVectors()) expect(signNote(go.formatTree5, signer), go.go).toBe(go.signedTree5);
  });

  it('round-trips generated keys and rejects bad signer keys', () => {
    const { signerKey, verifierKey } = generateKey('sum.example.com');
    expect(signerKey).toMatch(/^PRIVATE\+KEY\+sum\.example\.com\+[0-9a-f]{8}\+/);
    const note = signNote('hello\n', parseSignerKey(signerKey));
    expect(openNote(note, [parseVerifierKey(verifierKey)]).text).toBe('hello\n');
    expect(codeOf(() => parseSignerKey(PN_SKEY.replace('c74f20a3', 'c74f20a4')))).toBe(
      'note.invalid_signer_hash: invalid verifier hash',
    );
    expect(codeOf(() => parseSignerKey(PN_VKEY))).toBe('note.malformed_signer: malformed verifier id');
    expect(codeOf(() => signNote('no newline', parseSignerKey(signerKey)))).toBe('note.malformed: malformed note');
  });
});
