// Hand-built certificates for parser tests: every field can be replaced by raw DER, so that the
// malformed shapes Go's parser rejects can be produced. Signed with a throwaway EC key (the
// parser does not check signatures).

import { generateKeyPairSync, sign } from 'node:crypto';
import { der } from '../../../src/lab/der-writer.js';

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
export const EC_SPKI: Buffer = key.publicKey.export({ type: 'spki', format: 'der' });
export const ECDSA_SHA256: Buffer = der.seq(der.oid('1.2.840.10045.4.3.2'));

export const nameDer = (cn: string): Buffer => der.seq(der.set(der.seq(der.oid('2.5.4.3'), der.utf8(cn))));
export const ext = (oid: string, critical: boolean, value: Buffer): Buffer =>
  critical ? der.seq(der.oid(oid), der.bool(true), der.octets(value)) : der.seq(der.oid(oid), der.octets(value));
export const utc = (s: string): Buffer => Buffer.concat([Buffer.from([0x17, s.length]), Buffer.from(s, 'latin1')]);
export const gen = (s: string): Buffer => Buffer.concat([Buffer.from([0x18, s.length]), Buffer.from(s, 'latin1')]);

export interface CraftSpec {
  version?: Buffer | null; // the [0] element, null to omit
  serial?: Buffer;
  innerSig?: Buffer;
  outerSig?: Buffer;
  issuer?: Buffer;
  validity?: Buffer;
  subject?: Buffer;
  spki?: Buffer;
  extensions?: Buffer[] | null; // null: no [3] element
  trailing?: Buffer;
}

export function craft(spec: CraftSpec = {}): Buffer {
  const innerSig = spec.innerSig ?? ECDSA_SHA256;
  const tbs = der.seq(
    ...(spec.version === null ? [] : [spec.version ?? der.ctx(0, true, der.int(2))]),
    spec.serial ?? der.int(4660),
    innerSig,
    spec.issuer ?? nameDer('Crafted Issuer'),
    spec.validity ?? der.seq(utc('300101000000Z'), utc('310101000000Z')),
    spec.subject ?? nameDer('crafted.example'),
    spec.spki ?? EC_SPKI,
    ...(spec.extensions === null ? [] : [der.ctx(3, true, der.seq(...(spec.extensions ?? [])))]),
  );
  const sig = sign('sha256', tbs, key.privateKey);
  const cert = der.seq(tbs, spec.outerSig ?? innerSig, der.bits(sig));
  return spec.trailing ? Buffer.concat([cert, spec.trailing]) : cert;
}
