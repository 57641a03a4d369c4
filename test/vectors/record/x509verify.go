// `recorder x509 DIR` verifies the chains test/vectors/record.ts writes under DIR (one directory per
// scenario of test/unit/tls/verify-scenarios.ts and x509-version-scenarios.ts: leaf.der, inter-NN.der,
// root-NN.der, host, now) with the crypto/x509 of the go that built it, and prints one JSON object:
// scenario name -> verdict ("ok: CN > CN > CN" for the first chain, the error's text, or "parse: " and
// the text of ParseCertificate's error). x509-versions.test.ts checks the probe's parser and Verify under
// each go's rules against it. The recorder's go.mod has that go's go line, so crypto/x509's GODEBUG
// defaults (x509negativeserial, rsa1024min, ...) are the go's own, as in cmd/go.
package main

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

func verdict(dir string) string {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			panic(err)
		}
		return strings.TrimSpace(string(b))
	}
	parse := func(pattern string) ([]*x509.Certificate, error) {
		files, _ := filepath.Glob(filepath.Join(dir, pattern))
		sort.Strings(files)
		var out []*x509.Certificate
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				panic(err)
			}
			c, err := x509.ParseCertificate(b)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	}
	leaf, err := parse("leaf.der")
	if err != nil {
		return "parse: " + err.Error()
	}
	inters, err := parse("inter-*.der")
	if err != nil {
		return "parse: " + err.Error()
	}
	roots, err := parse("root-*.der")
	if err != nil {
		return "parse: " + err.Error()
	}
	now, err := time.Parse(time.RFC3339, read("now"))
	if err != nil {
		panic(err)
	}
	rootPool, interPool := x509.NewCertPool(), x509.NewCertPool()
	for _, c := range roots {
		rootPool.AddCert(c)
	}
	for _, c := range inters {
		interPool.AddCert(c)
	}
	chains, err := leaf[0].Verify(x509.VerifyOptions{Roots: rootPool, Intermediates: interPool, DNSName: read("host"), CurrentTime: now})
	if err != nil {
		return err.Error()
	}
	names := make([]string, len(chains[0]))
	for i, c := range chains[0] {
		names[i] = c.Subject.CommonName
	}
	return "ok: " + strings.Join(names, " > ")
}

func x509Verdicts(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		panic(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		out[e.Name()] = verdict(filepath.Join(dir, e.Name()))
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	fmt.Println(string(b))
}
