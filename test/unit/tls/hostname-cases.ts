// Inputs of the host name and IP tables: certificates (SANs and Common Name, issued by src/lab/pki.ts) with
// the hosts VerifyHostname is asked about, and strings for net.ParseIP. test/vectors/record.ts records each
// go's answers (record/x509parse.go) into vectors/x509-go1.<minor>.json; hostname.test.ts checks the
// probe's verifyHostname and parseNetIp against them.

export interface HostnameCase {
  readonly sans: readonly string[];
  readonly cn: string;
  readonly hosts: readonly string[];
}

export const HOSTNAME_CASES: readonly HostnameCase[] = [
  { sans: ["proxy.example.com"], cn: "x", hosts: ["proxy.example.com", "PROXY.Example.COM", "proxy.example.com.", "proxy.example.com..", "other.example.com", "example.com", "x.proxy.example.com"] },
  { sans: ["a.example", "b.example"], cn: "x", hosts: ["a.example", "b.example", "c.example", "A.EXAMPLE."] },
  { sans: ["*.example.com"], cn: "x", hosts: ["foo.example.com", "FOO.example.com", "foo.example.com.", "example.com", "a.b.example.com", "*.example.com", "_x.example.com", "-x.example.com", ".example.com"] },
  { sans: ["a*.example.com", "f*o.example.org"], cn: "x", hosts: ["afoo.example.com", "a.example.com", "a*.example.com", "fo.example.org", "f*o.example.org"] },
  { sans: ["*.*.example.com"], cn: "x", hosts: ["a.b.example.com", "*.*.example.com"] },
  { sans: ["*"], cn: "x", hosts: ["anything", "*"] },
  { sans: ["foo.*.example.com"], cn: "x", hosts: ["foo.bar.example.com", "foo.*.example.com"] },
  { sans: ["Proxy.EXAMPLE.com"], cn: "x", hosts: ["proxy.example.com", "PROXY.EXAMPLE.COM"] },
  { sans: ["trailing.example."], cn: "x", hosts: ["trailing.example", "trailing.example.", "TRAILING.example"] },
  { sans: ["_srv.example.com", "*._tcp.example.com"], cn: "x", hosts: ["_srv.example.com", "a._tcp.example.com", "_SRV.EXAMPLE.COM"] },
  { sans: ["10.1.2.3"], cn: "x", hosts: ["10.1.2.3", "[10.1.2.3]", "010.1.2.3", "10.1.2.4", "::ffff:10.1.2.3", "10.1.2.3.", "ten.example"] },
  { sans: ["2001:db8::1", "::1"], cn: "x", hosts: ["2001:db8::1", "[2001:db8::1]", "2001:DB8:0:0:0:0:0:1", "::1", "[::1]", "::2", "fe80::1%eth0", "2001:db8::1.2.3.4"] },
  { sans: ["DNS:10.9.9.9"], cn: "x", hosts: ["10.9.9.9", "[10.9.9.9]"] },
  { sans: ["host.example", "192.0.2.7"], cn: "x", hosts: ["host.example", "192.0.2.7", "192.0.2.8", "other.example"] },
  { sans: [], cn: "cn.example", hosts: ["cn.example", "CN.example.", "other.example", "10.0.0.1"] },
  { sans: [], cn: "*.example.net", hosts: ["x.example.net", "example.net"] },
  { sans: [], cn: "other.example", hosts: ["cn.example"] },
  { sans: [], cn: "", hosts: ["a.example", "127.0.0.1"] },
  { sans: ["IP:198.51.100.1"], cn: "ip.example", hosts: ["198.51.100.1", "ip.example", "198.51.100.2"] },
  { sans: ["invalid name.example", "UPPER_under.Example"], cn: "x", hosts: ["invalid name.example", "INVALID NAME.example", "upper_under.example", "invalid name.example."] },
  { sans: ["xn--bcher-kva.example"], cn: "x", hosts: ["xn--bcher-kva.example", "bücher.example"] },
  { sans: ["IP:::ffff:203.0.113.9"], cn: "x", hosts: ["203.0.113.9", "::ffff:203.0.113.9", "[::ffff:203.0.113.9]"] },
];

/** net.ParseIP inputs (and IP.String of the result). */
export const PARSE_IP_INPUTS: readonly string[] = [
  "1.2.3.4",
  "01.2.3.4",
  "1.2.3",
  "1.2.3.4.5",
  "255.255.255.255",
  "256.1.1.1",
  "::",
  "::1",
  "1::",
  "2001:db8::1",
  "2001:DB8:0:0:0:0:0:1",
  "2001:db8:0:0:1:0:0:1",
  "0:0:1:0:0:0:0:0",
  "::ffff:1.2.3.4",
  "::1.2.3.4",
  "1:2:3:4:5:6:7:8",
  "1:2:3:4:5:6:7:8:9",
  "1:2:3:4:5:6:7::",
  "1::2::3",
  "fe80::1%eth0",
  "12345::",
  "[::1]",
  "",
  "1.2.3.4 ",
  "a:b:c:d:e:f:1.2.3.4",
  "::ffff:0:1.2.3.4",
  "1:0:0:2:0:0:0:3",
];
