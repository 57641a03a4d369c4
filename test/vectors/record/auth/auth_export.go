// Package auth holds, at record time, a copy of cmd/go/internal/auth/netrc.go from the recording go's
// $GOROOT (test/vectors/record.ts puts it beside this file; it is never committed), so the vectors
// are that go's own .netrc parsing.
package auth

// ParseNetrcForVectors is cmd/go's parseNetrc: machine, login and password of each entry, in order.
func ParseNetrcForVectors(data string) [][3]string {
	out := [][3]string{}
	for _, l := range parseNetrc(data) {
		out = append(out, [3]string{l.machine, l.login, l.password})
	}
	return out
}
