// Package modfetch holds, at record time, cmd/go/internal/modfetch's proxyList and newProxyRepo
// (proxy.go), dbDial (sumdb.go) and knownGOSUMDB (key.go), copied from the recording go's $GOROOT by
// test/vectors/record/extract into extracted.go (never committed), with cmd/go/internal/cfg and
// golang.org/x/mod/sumdb redirected to the stand-ins beside this file. What they call that is not copied
// is declared here, as little as lets them compile.
package modfetch

import (
	"fmt"
	"net/url"
	"sync"

	"gomodprobe.vectors/modfetch/cfg"
)

// Repo and RevInfo: newProxyRepo returns a *proxyRepo as a Repo, which holds a *RevInfo.
type (
	Repo    any
	RevInfo struct{}
)

// dbClient is the part of cmd/go's dbClient that dbDial fills in.
type dbClient struct {
	key    string
	name   string
	direct *url.URL
	base   *url.URL
}

// ProxyListForVectors is cmd/go's proxyList for GOPROXY and GONOPROXY: each entry's URL and fallBackOnError
// (nil when there is none), and the error.
func ProxyListForVectors(goproxy, gonoproxy string) (entries []any, err error) {
	cfg.GOPROXY, cfg.GONOPROXY = goproxy, gonoproxy
	// proxyList computes once per process (sync.Once): start each row afresh.
	proxyOnce.Once, proxyOnce.list, proxyOnce.err = sync.Once{}, nil, nil
	list, err := proxyList()
	for _, p := range list {
		entries = append(entries, []any{p.url, p.fallBackOnError})
	}
	return entries, err
}

// DbDialForVectors is cmd/go's dbDial for GOSUMDB, in the words of the GOSUMDB table: "OFF" (GOSUMDB=off),
// "ERR: <error>", "PANIC: <what cmd/go crashes with>", or "OK <name> <verifier key>[ <url>]".
func DbDialForVectors(gosumdb string) (result string) {
	cfg.GOSUMDB = gosumdb
	defer func() {
		if r := recover(); r != nil {
			result = fmt.Sprintf("PANIC: %v", r)
		}
	}()
	name, db, err := dbDial()
	switch {
	case err != nil && err.Error() == "checksum database disabled by GOSUMDB=off":
		return "OFF"
	case err != nil:
		return "ERR: " + err.Error()
	}
	c := db.Ops.(*dbClient)
	if c.name != name {
		panic("dbDial returned a name its client does not have")
	}
	result = "OK " + name + " " + c.key
	if c.base != nil {
		result += " " + c.base.String()
	}
	return result
}
