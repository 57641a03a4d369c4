// Go's VerifyHostname, checked against Go itself: every row below was produced by Go 1.23's
// x509.Certificate.VerifyHostname on a certificate with the same SANs and CN (a throwaway Go
// program under /tmp read certificates made by src/lab/pki.ts). Certificates are regenerated here.

import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { selfSignedCA } from '../../../src/lab/pki.js';
import { verifyHostname } from '../../../src/net/hostname.js';
import { formatNetIp, parseNetIp } from '../../../src/net/netip.js';

interface HostnameCase {
  cert: { sans: string[]; cn: string };
  checks: [host: string, goResult: string][];
}

const GO_RESULTS: HostnameCase[] = [
  {
    cert: {sans: ["proxy.example.com"], cn: "x"},
    checks: [
      ["proxy.example.com", "ok"],
      ["PROXY.Example.COM", "ok"],
      ["proxy.example.com.", "ok"],
      ["proxy.example.com..", "x509: certificate is valid for proxy.example.com, not proxy.example.com.."],
      ["other.example.com", "x509: certificate is valid for proxy.example.com, not other.example.com"],
      ["example.com", "x509: certificate is valid for proxy.example.com, not example.com"],
      ["x.proxy.example.com", "x509: certificate is valid for proxy.example.com, not x.proxy.example.com"],
    ],
  },
  {
    cert: {sans: ["a.example", "b.example"], cn: "x"},
    checks: [
      ["a.example", "ok"],
      ["b.example", "ok"],
      ["c.example", "x509: certificate is valid for a.example, b.example, not c.example"],
      ["A.EXAMPLE.", "ok"],
    ],
  },
  {
    cert: {sans: ["*.example.com"], cn: "x"},
    checks: [
      ["foo.example.com", "ok"],
      ["FOO.example.com", "ok"],
      ["foo.example.com.", "ok"],
      ["example.com", "x509: certificate is valid for *.example.com, not example.com"],
      ["a.b.example.com", "x509: certificate is valid for *.example.com, not a.b.example.com"],
      ["*.example.com", "ok"],
      ["_x.example.com", "ok"],
      ["-x.example.com", "x509: certificate is valid for *.example.com, not -x.example.com"],
      [".example.com", "x509: certificate is valid for *.example.com, not .example.com"],
    ],
  },
  {
    cert: {sans: ["a*.example.com", "f*o.example.org"], cn: "x"},
    checks: [
      ["afoo.example.com", "x509: certificate is valid for a*.example.com, f*o.example.org, not afoo.example.com"],
      ["a.example.com", "x509: certificate is valid for a*.example.com, f*o.example.org, not a.example.com"],
      ["a*.example.com", "ok"],
      ["fo.example.org", "x509: certificate is valid for a*.example.com, f*o.example.org, not fo.example.org"],
      ["f*o.example.org", "ok"],
    ],
  },
  {
    cert: {sans: ["*.*.example.com"], cn: "x"},
    checks: [
      ["a.b.example.com", "x509: certificate is valid for *.*.example.com, not a.b.example.com"],
      ["*.*.example.com", "ok"],
    ],
  },
  {
    cert: {sans: ["*"], cn: "x"},
    checks: [
      ["anything", "x509: certificate is valid for *, not anything"],
      ["*", "ok"],
    ],
  },
  {
    cert: {sans: ["foo.*.example.com"], cn: "x"},
    checks: [
      ["foo.bar.example.com", "x509: certificate is valid for foo.*.example.com, not foo.bar.example.com"],
      ["foo.*.example.com", "ok"],
    ],
  },
  {
    cert: {sans: ["Proxy.EXAMPLE.com"], cn: "x"},
    checks: [
      ["proxy.example.com", "ok"],
      ["PROXY.EXAMPLE.COM", "ok"],
    ],
  },
  {
    cert: {sans: ["trailing.example."], cn: "x"},
    checks: [
      ["trailing.example", "x509: certificate is valid for trailing.example., not trailing.example"],
      ["trailing.example.", "ok"],
      ["TRAILING.example", "x509: certificate is valid for trailing.example., not TRAILING.example"],
    ],
  },
  {
    cert: {sans: ["_srv.example.com", "*._tcp.example.com"], cn: "x"},
    checks: [
      ["_srv.example.com", "ok"],
      ["a._tcp.example.com", "ok"],
      ["_SRV.EXAMPLE.COM", "ok"],
    ],
  },
  {
    cert: {sans: ["10.1.2.3"], cn: "x"},
    checks: [
      ["10.1.2.3", "ok"],
      ["[10.1.2.3]", "ok"],
      ["010.1.2.3", "x509: certificate is not valid for any names, but wanted to match 010.1.2.3"],
      ["10.1.2.4", "x509: certificate is valid for 10.1.2.3, not 10.1.2.4"],
      ["::ffff:10.1.2.3", "ok"],
      ["10.1.2.3.", "x509: certificate is not valid for any names, but wanted to match 10.1.2.3."],
      ["ten.example", "x509: certificate is not valid for any names, but wanted to match ten.example"],
    ],
  },
  {
    cert: {sans: ["2001:db8::1", "::1"], cn: "x"},
    checks: [
      ["2001:db8::1", "ok"],
      ["[2001:db8::1]", "ok"],
      ["2001:DB8:0:0:0:0:0:1", "ok"],
      ["::1", "ok"],
      ["[::1]", "ok"],
      ["::2", "x509: certificate is valid for 2001:db8::1, ::1, not ::2"],
      ["fe80::1%eth0", "x509: certificate is not valid for any names, but wanted to match fe80::1%eth0"],
      ["2001:db8::1.2.3.4", "x509: certificate is valid for 2001:db8::1, ::1, not 2001:db8::1.2.3.4"],
    ],
  },
  {
    cert: {sans: ["DNS:10.9.9.9"], cn: "x"},
    checks: [
      ["10.9.9.9", "x509: cannot validate certificate for 10.9.9.9 because it doesn't contain any IP SANs"],
      ["[10.9.9.9]", "x509: cannot validate certificate for 10.9.9.9 because it doesn't contain any IP SANs"],
    ],
  },
  {
    cert: {sans: ["host.example", "192.0.2.7"], cn: "x"},
    checks: [
      ["host.example", "ok"],
      ["192.0.2.7", "ok"],
      ["192.0.2.8", "x509: certificate is valid for 192.0.2.7, not 192.0.2.8"],
      ["other.example", "x509: certificate is valid for host.example, not other.example"],
    ],
  },
  {
    cert: {sans: [], cn: "cn.example"},
    checks: [
      ["cn.example", "x509: certificate relies on legacy Common Name field, use SANs instead"],
      ["CN.example.", "x509: certificate relies on legacy Common Name field, use SANs instead"],
      ["other.example", "x509: certificate is not valid for any names, but wanted to match other.example"],
      ["10.0.0.1", "x509: cannot validate certificate for 10.0.0.1 because it doesn't contain any IP SANs"],
    ],
  },
  {
    cert: {sans: [], cn: "*.example.net"},
    checks: [
      ["x.example.net", "x509: certificate relies on legacy Common Name field, use SANs instead"],
      ["example.net", "x509: certificate is not valid for any names, but wanted to match example.net"],
    ],
  },
  {
    cert: {sans: [], cn: "other.example"},
    checks: [
      ["cn.example", "x509: certificate is not valid for any names, but wanted to match cn.example"],
    ],
  },
  {
    cert: {sans: [], cn: ""},
    checks: [
      ["a.example", "x509: certificate is not valid for any names, but wanted to match a.example"],
      ["127.0.0.1", "x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs"],
    ],
  },
  {
    cert: {sans: ["IP:198.51.100.1"], cn: "ip.example"},
    checks: [
      ["198.51.100.1", "ok"],
      ["ip.example", "x509: certificate is not valid for any names, but wanted to match ip.example"],
      ["198.51.100.2", "x509: certificate is valid for 198.51.100.1, not 198.51.100.2"],
    ],
  },
  {
    cert: {sans: ["invalid name.example", "UPPER_under.Example"], cn: "x"},
    checks: [
      ["invalid name.example", "ok"],
      ["INVALID NAME.example", "ok"],
      ["upper_under.example", "ok"],
      ["invalid name.example.", "x509: certificate is valid for invalid name.example, UPPER_under.Example, not invalid name.example."],
    ],
  },
  {
    cert: {sans: ["xn--bcher-kva.example"], cn: "x"},
    checks: [
      ["xn--bcher-kva.example", "ok"],
      ["b\u00fccher.example", "x509: certificate is valid for xn--bcher-kva.example, not b\u00fccher.example"],
    ],
  },
  {
    cert: {sans: ["IP:::ffff:203.0.113.9"], cn: "x"},
    checks: [
      ["203.0.113.9", "ok"],
      ["::ffff:203.0.113.9", "ok"],
      ["[::ffff:203.0.113.9]", "ok"],
    ],
  },];

describe('verifyHostname agrees with Go 1.23', () => {
  for (const { cert, checks } of GO_RESULTS) {
    it(`SANs ${JSON.stringify(cert.sans)}, CN ${JSON.stringify(cert.cn)}`, () => {
      const issued = selfSignedCA({ commonName: cert.cn, sans: cert.sans, isCA: false });
      const x509 = new X509Certificate(issued.der);
      const got = checks.map(([host]) => {
        const v = verifyHostname(x509, host);
        return [host, v.ok ? 'ok' : v.goError];
      });
      expect(got).toEqual(checks);
    });
  }
});

describe('net.ParseIP and IP.String as Go has them', () => {
  // [input, Go's ip.String() or null when ParseIP returns nil]: produced by Go 1.23.
  const GO_IPS: [string, string | null][] = [
    ["1.2.3.4", "1.2.3.4"],
    ["01.2.3.4", null],
    ["1.2.3", null],
    ["1.2.3.4.5", null],
    ["255.255.255.255", "255.255.255.255"],
    ["256.1.1.1", null],
    ["::", "::"],
    ["::1", "::1"],
    ["1::", "1::"],
    ["2001:db8::1", "2001:db8::1"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["0:0:1:0:0:0:0:0", "0:0:1::"],
    ["::ffff:1.2.3.4", "1.2.3.4"],
    ["::1.2.3.4", "::102:304"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["1:2:3:4:5:6:7:8:9", null],
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
    ["1::2::3", null],
    ["fe80::1%eth0", null],
    ["12345::", null],
    ["[::1]", null],
    ["", null],
    ["1.2.3.4 ", null],
    ["a:b:c:d:e:f:1.2.3.4", "a:b:c:d:e:f:102:304"],
    ["::ffff:0:1.2.3.4", "::ffff:0:102:304"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
  ];
  it('parses and formats like Go', () => {
    const got = GO_IPS.map(([s]) => {
      const ip = parseNetIp(s);
      return [s, ip ? formatNetIp(ip) : null];
    });
    expect(got).toEqual(GO_IPS);
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
