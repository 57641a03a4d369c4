// Certificates go's ParseCertificate accepts or rejects, with the reason; shared by the parser test
// (der.test.ts) and test/vectors/record.ts, which records each go's texts (record/x509parse.go).

import { der } from '../../../src/lab/der-writer.js';
import { craft, ext, gen, nameDer, utc } from './craft.js';

const san = (...entries: Buffer[]): Buffer => der.seq(...entries);
const dns = (s: string): Buffer => der.ctx(2, false, Buffer.from(s, 'latin1'));

export function parseCases(): Record<string, Buffer> {
  return {
    ok: craft({ extensions: [ext('2.5.29.17', false, san(dns('crafted.example')))] }),
    'ok-v1': craft({ version: null, extensions: null }),
    'ok-generalized-time': craft({ validity: der.seq(gen('20300101000000Z'), gen('20510101000000Z')) }),
    'gen-fraction': craft({ validity: der.seq(gen('20300101000000Z'), gen('20510101000000.5Z')) }),
    'ok-utc-minutes': craft({ validity: der.seq(utc('3001010000Z'), utc('3101010000Z')) }),
    'ok-utc-offset': craft({ validity: der.seq(utc('300101000000+0100'), utc('310101000000-0230')) }),
    'ok-utc-1950': craft({ validity: der.seq(utc('500101000000Z'), utc('491231235959Z')) }),
    'ok-empty-san-noncritical': craft({ extensions: [ext('2.5.29.17', false, san())] }),
    'ok-unknown-critical': craft({ extensions: [ext('1.2.3.4', true, der.null())] }),
    'ok-printable-star-amp': craft({ subject: der.seq(der.set(der.seq(der.oid('2.5.4.3'), der.printable('*.a&b.example')))) }),
    'ok-bmp-name': craft({ subject: der.seq(der.set(der.seq(der.oid('2.5.4.3'), Buffer.from([0x1e, 4, 0, 0x41, 0, 0x42])))) }),
    'trailing-data': craft({ trailing: Buffer.from([0]) }),
    'negative-serial': craft({ serial: der.int(-5) }),
    'non-minimal-serial': craft({ serial: Buffer.from([0x02, 0x02, 0x00, 0x05]) }),
    'version-4': craft({ version: der.ctx(0, true, der.int(3)) }),
    'version-negative': craft({ version: der.ctx(0, true, der.int(-1)) }),
    'sig-mismatch': craft({ outerSig: der.seq(der.oid('1.2.840.10045.4.3.3')) }),
    'bad-utc': craft({ validity: der.seq(utc('301301000000Z'), utc('310101000000Z')) }),
    'utc-zero-offset': craft({ validity: der.seq(utc('300101000000+0000'), utc('310101000000Z')) }),
    'gen-trailing-zero-fraction': craft({ validity: der.seq(gen('20300101000000.50Z'), gen('20310101000000Z')) }),
    'gen-no-seconds': craft({ validity: der.seq(gen('203001010000Z'), gen('20310101000000Z')) }),
    'time-wrong-type': craft({ validity: der.seq(der.utf8('300101000000Z'), utc('310101000000Z')) }),
    'feb-30': craft({ validity: der.seq(utc('300230000000Z'), utc('310101000000Z')) }),
    'bad-printable': craft({ subject: der.seq(der.set(der.seq(der.oid('2.5.4.3'), der.printable('a@b')))) }),
    'bad-utf8': craft({ subject: der.seq(der.set(der.seq(der.oid('2.5.4.3'), Buffer.from([0x0c, 2, 0xc3, 0x28])))) }),
    'unsupported-string': craft({ subject: der.seq(der.set(der.seq(der.oid('2.5.4.3'), Buffer.from([0x1c, 4, 0, 0, 0, 0x41])))) }),
    'duplicate-extension': craft({
      extensions: [ext('2.5.29.17', false, san(dns('a.example'))), ext('2.5.29.17', false, san(dns('b.example')))],
    }),
    'ip-san-length-5': craft({ extensions: [ext('2.5.29.17', false, san(der.ctx(7, false, Buffer.from([1, 2, 3, 4, 5]))))] }),
    'dns-san-non-ascii': craft({ extensions: [ext('2.5.29.17', false, san(dns('b\u00fccher.example')))] }),
    'critical-akid': craft({ extensions: [ext('2.5.29.35', true, der.seq(der.ctx(0, false, Buffer.from([1, 2]))))] }),
    'critical-skid': craft({ extensions: [ext('2.5.29.14', true, der.octets(Buffer.from([1, 2])))] }),
    'bad-basic-constraints': craft({ extensions: [ext('2.5.29.19', true, der.int(1))] }),
    'bad-key-usage': craft({ extensions: [ext('2.5.29.15', true, der.octets(Buffer.from([1])))] }),
    'bad-eku': craft({ extensions: [ext('2.5.29.37', false, der.seq(der.int(1)))] }),
    'empty-name-constraints': craft({ extensions: [ext('2.5.29.30', true, der.seq())] }),
    'bad-ip-constraint': craft({
      extensions: [ext('2.5.29.30', true, der.seq(der.ctx(0, true, der.seq(der.ctx(7, false, Buffer.from([10, 0, 0, 0, 255, 0, 255, 0]))))))],
    }),
    'rsa-key-without-null': craft({
      spki: der.seq(der.seq(der.oid('1.2.840.113549.1.1.1')), der.bits(der.seq(der.int(0x00c3n), der.int(3)))),
    }),
    'rsa-zero-modulus': craft({
      spki: der.seq(der.seq(der.oid('1.2.840.113549.1.1.1'), der.null()), der.bits(der.seq(der.int(0), der.int(3)))),
    }),
    'ec-unknown-curve': craft({
      spki: der.seq(der.seq(der.oid('1.2.840.10045.2.1'), der.oid('1.3.132.0.10')), der.bits(Buffer.alloc(65, 4))),
    }),
    'ed25519-with-params': craft({ spki: der.seq(der.seq(der.oid('1.3.101.112'), der.null()), der.bits(Buffer.alloc(32, 1))) }),
    'ed25519-short-key': craft({ spki: der.seq(der.seq(der.oid('1.3.101.112')), der.bits(Buffer.alloc(31, 1))) }),
    'unknown-key-algorithm': craft({ spki: der.seq(der.seq(der.oid('1.2.3.4.5')), der.bits(Buffer.alloc(8, 1))) }),
    'long-form-short-length': Buffer.concat([Buffer.from([0x30, 0x81, 0x05]), Buffer.alloc(5)]),
    'not-a-sequence': Buffer.from('hello world'),
    'issuer-not-a-name': craft({ issuer: der.seq(der.int(1)) }),
    'empty-subject-ok': craft({ subject: der.seq(), extensions: [ext('2.5.29.17', true, san(dns('x.example')))] }),
    'aia-critical': craft({ extensions: [ext('1.3.6.1.5.5.7.1.1', true, der.seq())] }),
    'name-with-cn-twice': craft({ subject: der.seq(der.set(der.seq(der.oid('2.5.4.3'), der.utf8('first'))), der.set(der.seq(der.oid('2.5.4.3'), der.utf8('second')))) }),
    // DC=com, DC=example, emailAddress=a@b.c, UID=x*y, CN=leaf (as openssl req -subj writes it: IA5Strings):
    // attribute types pkix.Name.String() has no name for print as #hex of asn1.Marshal.
    'subject-unnamed-attributes': craft({
      subject: der.seq(
        ...([['0.9.2342.19200300.100.1.25', der.ia5('com')], ['0.9.2342.19200300.100.1.25', der.ia5('example')], ['1.2.840.113549.1.9.1', der.ia5('a@b.c')],
          ['0.9.2342.19200300.100.1.1', der.utf8('x*y')], ['2.5.4.3', der.utf8('leaf')]] as const).map(([oid, value]) => der.set(der.seq(der.oid(oid), value))),
      ),
    }),
  };
}

export { nameDer };
