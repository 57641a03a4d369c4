// Package cfg stands in for cmd/go/internal/cfg in the code test/vectors/record/extract copies out of
// cmd/go/internal/modfetch: the settings that code reads, set by the recorder for each row.
package cfg

var (
	GOPROXY   string
	GONOPROXY string
	GOSUMDB   string
)
