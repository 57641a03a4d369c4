// Go's VerifyHostname and net.ParseIP, checked against each lab go: every expected answer is what that
// go said for the same inputs (hostname-cases.ts; vectors/x509-go1.<minor>.json, recorded by `npm run
// record-vectors` with test/vectors/record/x509parse.go on certificates made by src/lab/pki.ts).
// Certificates are regenerated here.

import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseGoVersion, rulesFor, x509RulesFor } from '../../../src/goenv/goversion.js';
import { selfSignedCA } from '../../../src/lab/pki.js';
import { verifyHostname, verifyHostnameParsed } from '../../../src/net/hostname.js';
import { formatNetIp, parseNetIp } from '../../../src/net/netip.js';
import { CertificateParseError, parseCertificate } from '../../../src/net/x509/parse.js';
import { recordedX509Vectors } from '../../vectors/record.js';
import { HOSTNAME_CASES } from './hostname-cases.js';

const RECORDED = recordedX509Vectors();
const GO123 = RECORDED.find((r) => r.go.startsWith('go1.23.'))!;

describe('verifyHostname (the default rules) agrees with Go 1.23', () => {
  it('go 1.23 answered every case', () => {
    expect(GO123.hostname.map((h) => [h.sans, h.cn, h.checks.map((c) => c[0])])).toEqual(HOSTNAME_CASES.map((c) => [c.sans, c.cn, c.hosts]));
  });
  for (const { sans, cn, checks } of GO123.hostname) {
    it(`SANs ${JSON.stringify(sans)}, CN ${JSON.stringify(cn)}`, () => {
      const issued = selfSignedCA({ commonName: cn, sans, isCA: false });
      const x509 = new X509Certificate(issued.der);
      const got = checks.map(([host]) => {
        const v = verifyHostname(x509, host);
        return [host, v.ok ? 'ok' : v.goError];
      });
      expect(got).toEqual(checks);
    });
  }
});

describe.each(RECORDED)('VerifyHostname under the rules of $go agrees with it', ({ go, hostname }) => {
  const rules = x509RulesFor(rulesFor(parseGoVersion(go)), new Map());
  for (const { sans, cn, checks } of hostname) {
    it(`SANs ${JSON.stringify(sans)}, CN ${JSON.stringify(cn)}`, () => {
      const der = selfSignedCA({ commonName: cn, sans, isCA: false }).der;
      const got = checks.map(([host]) => {
        try {
          const v = verifyHostnameParsed(parseCertificate(der, rules), host, rules);
          return [host, v.ok ? 'ok' : v.goError];
        } catch (err) {
          if (!(err instanceof CertificateParseError)) throw err;
          return [host, `parse: ${err.message}`];
        }
      });
      expect(got).toEqual(checks);
    });
  }
});

describe('net.ParseIP and IP.String as Go has them', () => {
  it.each(RECORDED)('parses and formats like $go', ({ parseIP }) => {
    expect(parseIP.length).toBeGreaterThan(0);
    const got = parseIP.map(([s]) => {
      const ip = parseNetIp(s);
      return [s, ip ? formatNetIp(ip) : null];
    });
    expect(got).toEqual(parseIP);
  });

  it('formats 4-byte SAN addresses and odd lengths like net.IP.String', () => {
    expect(formatNetIp(Buffer.from([192, 0, 2, 1]))).toBe('192.0.2.1');
    expect(formatNetIp(Buffer.from([1, 2, 3]))).toBe('?010203');
    expect(formatNetIp(Buffer.alloc(0))).toBe('<nil>');
  });
});

describe('verifyHostname on certificates Go cannot parse', () => {
  it('reports the parse error instead of a name verdict', () => {
    // A certificate with a negative serial: Go 1.23 refuses to parse it at all.
    const issued = selfSignedCA({ commonName: 'neg.example', sans: ['neg.example'], isCA: false, serial: '-ff01' });
    const v = verifyHostname(new X509Certificate(issued.der), 'neg.example');
    expect(v).toEqual({ ok: false, goError: 'x509: negative serial number' });
  });
});
