// Verifies the chains record-x509-versions.ts writes, with the crypto/x509 of the go that runs it, and
// prints one JSON object: scenario name -> verdict ("ok: CN > CN > CN" for the first chain, the
// error's text, or "parse: " and the text of ParseCertificate's error). Standard library only; run as
// `go run . DIR` with GOTOOLCHAIN=local, so the verdict is that go's.
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

func main() {
	entries, err := os.ReadDir(os.Args[1])
	if err != nil {
		panic(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		out[e.Name()] = verdict(filepath.Join(os.Args[1], e.Name()))
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	fmt.Println(string(b))
}
