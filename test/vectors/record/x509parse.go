// `recorder x509parse` answers, with the crypto/x509 and net of the go that built it, what the probe's
// certificate parser, host name check and IP parser are compared with (test/unit/tls/der.test.ts,
// hostname.test.ts, x509-versions.test.ts). Input on stdin, as JSON: certificates to parse (name -> DER,
// test/unit/tls/parse-cases.ts), certificates with the hosts to check against them
// (test/unit/tls/hostname-cases.ts) and strings for net.ParseIP. Output on stdout, as JSON:
//
//   - parse: name -> "error: " and ParseCertificate's error, or "ok: cn=<CN as JSON> nb=<NotBefore>
//     na=<NotAfter> unhandled=<len(UnhandledCriticalExtensions)>" (times RFC 3339 in UTC);
//   - subject: name -> Subject.String(), for each certificate that parses;
//   - hostname: per certificate, [host, "ok" or VerifyHostname's error] (or "parse: " and the
//     certificate's parse error, for every host);
//   - parseIP: [input, IP.String() of net.ParseIP(input), or null when it returns nil].
package main

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"time"
)

type x509ParseInput struct {
	Parse    map[string][]byte `json:"parse"`
	Hostname []struct {
		DER   []byte   `json:"der"`
		Hosts []string `json:"hosts"`
	} `json:"hostname"`
	ParseIP []string `json:"parseIP"`
}

type x509ParseOutput struct {
	Parse    map[string]string `json:"parse"`
	Subject  map[string]string `json:"subject"`
	Hostname [][][2]string     `json:"hostname"`
	ParseIP  [][2]any          `json:"parseIP"`
}

// jsonString is s as JavaScript's JSON.stringify writes it (no HTML escaping), for the CN in a verdict.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(err)
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

func x509Parse() {
	var in x509ParseInput
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	out := x509ParseOutput{Parse: map[string]string{}, Subject: map[string]string{}, Hostname: [][][2]string{}, ParseIP: [][2]any{}}
	for name, der := range in.Parse {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			out.Parse[name] = "error: " + err.Error()
			continue
		}
		out.Subject[name] = c.Subject.String()
		out.Parse[name] = fmt.Sprintf("ok: cn=%s nb=%s na=%s unhandled=%d", jsonString(c.Subject.CommonName),
			c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339), len(c.UnhandledCriticalExtensions))
	}
	for _, h := range in.Hostname {
		c, parseErr := x509.ParseCertificate(h.DER)
		checks := [][2]string{}
		for _, host := range h.Hosts {
			switch {
			case parseErr != nil:
				checks = append(checks, [2]string{host, "parse: " + parseErr.Error()})
			case c.VerifyHostname(host) != nil:
				checks = append(checks, [2]string{host, c.VerifyHostname(host).Error()})
			default:
				checks = append(checks, [2]string{host, "ok"})
			}
		}
		out.Hostname = append(out.Hostname, checks)
	}
	for _, s := range in.ParseIP {
		if ip := net.ParseIP(s); ip != nil {
			out.ParseIP = append(out.ParseIP, [2]any{s, ip.String()})
		} else {
			out.ParseIP = append(out.ParseIP, [2]any{s, nil})
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		panic(err)
	}
	os.Stdout.Write(b)
}
