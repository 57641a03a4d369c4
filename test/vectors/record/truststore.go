// `recorder truststore` prints which certificates crypto/x509 loads as system roots, and the error
// Verify reports when loading them failed, under this process's SSL_CERT_FILE and SSL_CERT_DIR (one
// process per layout: go loads the system roots once). test/vectors/record.ts builds the layouts of
// test/unit/tls/truststore-fixtures.ts and runs this once for each; truststore.test.ts checks the
// probe's loadTrustStore against each go's answers.
//
// crypto/x509/root_unix.go loadSystemRoots: SSL_CERT_FILE replaces the file list, SSL_CERT_DIR (colon
// separated) the directory list; Verify with no Roots returns SystemRootsError when loading found
// nothing and failed (crypto/x509/verify.go).
package main

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"sort"
)

func trustStore() {
	// stdin: a self-signed certificate in no layout, to ask Verify whether the system roots loaded.
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		panic(err)
	}
	block, _ := pem.Decode(in)
	if block == nil {
		panic("truststore: no PEM certificate on stdin")
	}
	probe := must(x509.ParseCertificate(block.Bytes))

	certs := []string{}
	if pool, err := x509.SystemCertPool(); err == nil {
		//lint:ignore SA1019 Subjects lists a Linux system pool's certificates (it omits roots only where go asks the platform's verifier).
		for _, raw := range pool.Subjects() {
			var rdn pkix.RDNSequence
			if _, err := asn1.Unmarshal(raw, &rdn); err != nil {
				panic(err)
			}
			var name pkix.Name
			name.FillFromRDNSequence(&rdn)
			certs = append(certs, name.CommonName)
		}
	}
	sort.Strings(certs)
	out := map[string]any{"certs": certs, "error": nil}
	_, err = probe.Verify(x509.VerifyOptions{})
	var rootsErr x509.SystemRootsError
	if errors.As(err, &rootsErr) {
		out["error"] = err.Error()
	}
	write(out)
}
