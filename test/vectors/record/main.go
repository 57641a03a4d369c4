// Records what one go version's own code says for the inputs of the probe's vector tables, so that the
// ports in src/ can be compared with each modelled go (test/unit/goenv/go-versions.test.ts):
//
//   - the standard library: url.Parse (and String, Redacted), url.PathEscape, strconv.Quote, path.Match,
//     a redirect's Location as net/http resolves it (URL.Parse against the request URL: scheme://host +
//     RequestURI, or the error; as hex bytes), and http.ProxyFromEnvironment (run as `recorder httpproxy`, one process
//     per environment, because net/http reads the environment once; through the vendored x/net httpproxy
//     it calls, see httpProxy);
//   - golang.org/x/mod as that go vendors it (module, semver, modfile): the recorder's go.mod points
//     golang.org/x/mod at a copy of $GOROOT/src/cmd/vendor/golang.org/x/mod;
//   - cmd/go's .netrc parser (cmd/go/internal/auth/netrc.go, stdlib-only): copied from $GOROOT at record
//     time into package gomodprobe.vectors/auth, beside auth_export.go;
//   - cmd/go's GOPROXY list (proxyList, newProxyRepo) and GOSUMDB parsing (dbDial): copied from
//     $GOROOT/src/cmd/go/internal/modfetch at record time by extract/ into package gomodprobe.vectors/modfetch;
//   - `recorder tlog` (tlog.go): x/mod's sumdb/tlog, sumdb/note and sumdb/dirhash;
//   - `recorder truststore` (truststore.go): the system roots crypto/x509 loads;
//   - `recorder x509 DIR` (x509verify.go): crypto/x509's ParseCertificate and Verify on chains;
//   - `recorder x509parse` (x509parse.go): ParseCertificate's verdicts, VerifyHostname, net.ParseIP.
//
// It builds only in the module test/vectors/record.ts assembles (`npm run record-vectors -- --go
// /path/to/go`), which also sets the module's go line to that go's, so GODEBUG defaults are the ones
// cmd/go itself runs with. Inputs arrive as JSON on stdin; results leave as JSON on stdout.
package main

import (
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"path"
	"runtime"
	"strconv"

	"golang.org/x/net/http/httpproxy"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"gomodprobe.vectors/auth"
	"gomodprobe.vectors/modfetch"
)

type input struct {
	URLParse        []string    `json:"urlParse"`
	PathEscape      []string    `json:"pathEscape"`
	Quote           []string    `json:"quote"`
	PathMatch       [][2]string `json:"pathMatch"`
	Location        [][2]string `json:"location"`
	MatchPrefix     [][2]string `json:"matchPrefix"`
	CheckPath       []string    `json:"checkPath"`
	CheckImportPath []string    `json:"checkImportPath"`
	EscapePath      []string    `json:"escapePath"`
	UnescapePath    []string    `json:"unescapePath"`
	EscapeVersion   []string    `json:"escapeVersion"`
	UnescapeVersion []string    `json:"unescapeVersion"`
	Semver          []string    `json:"semver"`
	SemverCompare   [][2]string `json:"semverCompare"`
	GoMod           []string    `json:"goMod"`
	Netrc           []string    `json:"netrc"`
	ProxyList       [][2]string `json:"proxyList"`
	GoSumDB         []string    `json:"gosumdb"`
}

type parsedURL struct {
	Scheme      string `json:"scheme"`
	Host        string `json:"host"`
	Hostname    string `json:"hostname"`
	Port        string `json:"port"`
	Path        string `json:"path"`
	String      string `json:"string"`
	Redacted    string `json:"redacted"`
	HasPassword bool   `json:"hasPassword"`
}

type goModRequire struct {
	Path     string `json:"path"`
	Version  string `json:"version"`
	Indirect bool   `json:"indirect"`
}

type goModReplace struct {
	OldPath    string `json:"oldPath"`
	OldVersion string `json:"oldVersion"`
	NewPath    string `json:"newPath"`
	NewVersion string `json:"newVersion"`
}

type goModExclude struct {
	Path    string `json:"path"`
	Version string `json:"version"`
}

type goMod struct {
	Module   *string        `json:"module"`
	Go       *string        `json:"go"`
	Requires []goModRequire `json:"requires"`
	Replaces []goModReplace `json:"replaces"`
	Excludes []goModExclude `json:"excludes"`
}

type netrcEntry struct {
	Machine  string `json:"machine"`
	Login    string `json:"login"`
	Password string `json:"password"`
}

// errText is the error's text, or nil.
func errText(err error) any {
	if err == nil {
		return nil
	}
	return err.Error()
}

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "httpproxy":
			httpProxy()
		case "tlog":
			tlogVectors()
		case "truststore":
			trustStore()
		case "x509":
			x509Verdicts(os.Args[2])
		case "x509parse":
			x509Parse()
		default:
			panic("unknown subcommand " + os.Args[1])
		}
		return
	}
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	out := map[string]any{"go": runtime.Version()}
	rows := func(name string, n int, row func(i int) []any) {
		r := make([][]any, 0, n)
		for i := 0; i < n; i++ {
			r = append(r, row(i))
		}
		out[name] = r
	}

	rows("URL_PARSE", len(in.URLParse), func(i int) []any {
		raw := in.URLParse[i]
		u, err := url.Parse(raw)
		if err != nil {
			return []any{raw, nil, err.Error()}
		}
		_, hasPassword := u.User.Password()
		return []any{raw, parsedURL{u.Scheme, u.Host, u.Hostname(), u.Port(), u.Path, u.String(), u.Redacted(), hasPassword}, nil}
	})
	rows("PATH_ESCAPE", len(in.PathEscape), func(i int) []any { return []any{in.PathEscape[i], url.PathEscape(in.PathEscape[i])} })
	rows("QUOTE", len(in.Quote), func(i int) []any { return []any{in.Quote[i], strconv.Quote(in.Quote[i])} })
	rows("PATH_MATCH", len(in.PathMatch), func(i int) []any {
		matched, err := path.Match(in.PathMatch[i][0], in.PathMatch[i][1])
		return []any{in.PathMatch[i][0], in.PathMatch[i][1], matched, err != nil}
	})
	// net/http client.go (*Client).do: the next request's URL is req.URL.Parse(Location).
	// Locations, results and errors travel as hex: a Location's bytes need not be UTF-8.
	rows("LOCATION", len(in.Location), func(i int) []any {
		base, locHex := in.Location[i][0], in.Location[i][1]
		loc, err := hex.DecodeString(locHex)
		if err != nil {
			panic(err)
		}
		b, err := url.Parse(base)
		if err != nil {
			panic(err)
		}
		u, err := b.Parse(string(loc))
		if err != nil {
			return []any{base, locHex, nil, hex.EncodeToString([]byte(err.Error()))}
		}
		return []any{base, locHex, hex.EncodeToString([]byte(u.Scheme + "://" + u.Host + u.RequestURI())), nil}
	})
	rows("MATCH_PREFIX", len(in.MatchPrefix), func(i int) []any {
		return []any{in.MatchPrefix[i][0], in.MatchPrefix[i][1], module.MatchPrefixPatterns(in.MatchPrefix[i][0], in.MatchPrefix[i][1])}
	})
	rows("CHECK_PATH", len(in.CheckPath), func(i int) []any { return []any{in.CheckPath[i], errText(module.CheckPath(in.CheckPath[i]))} })
	rows("CHECK_IMPORT_PATH", len(in.CheckImportPath), func(i int) []any {
		return []any{in.CheckImportPath[i], errText(module.CheckImportPath(in.CheckImportPath[i]))}
	})
	rows("ESCAPE_PATH", len(in.EscapePath), func(i int) []any {
		s, err := module.EscapePath(in.EscapePath[i])
		return []any{in.EscapePath[i], s, errText(err)}
	})
	rows("UNESCAPE_PATH", len(in.UnescapePath), func(i int) []any {
		s, err := module.UnescapePath(in.UnescapePath[i])
		return []any{in.UnescapePath[i], s, errText(err)}
	})
	rows("ESCAPE_VERSION", len(in.EscapeVersion), func(i int) []any {
		s, err := module.EscapeVersion(in.EscapeVersion[i])
		return []any{in.EscapeVersion[i], s, errText(err)}
	})
	rows("UNESCAPE_VERSION", len(in.UnescapeVersion), func(i int) []any {
		s, err := module.UnescapeVersion(in.UnescapeVersion[i])
		return []any{in.UnescapeVersion[i], s, errText(err)}
	})
	rows("SEMVER", len(in.Semver), func(i int) []any {
		v := in.Semver[i]
		return []any{v, semver.IsValid(v), semver.Canonical(v), semver.Major(v), semver.Prerelease(v), semver.Build(v), module.IsPseudoVersion(v), module.CanonicalVersion(v)}
	})
	rows("SEMVER_COMPARE", len(in.SemverCompare), func(i int) []any {
		return []any{in.SemverCompare[i][0], in.SemverCompare[i][1], semver.Compare(in.SemverCompare[i][0], in.SemverCompare[i][1])}
	})
	rows("GO_MOD", len(in.GoMod), func(i int) []any {
		f, err := modfile.Parse("go.mod", []byte(in.GoMod[i]), nil)
		if err != nil {
			return []any{in.GoMod[i], nil, err.Error()}
		}
		m := goMod{Requires: []goModRequire{}, Replaces: []goModReplace{}, Excludes: []goModExclude{}}
		if f.Module != nil {
			m.Module = &f.Module.Mod.Path
		}
		if f.Go != nil {
			m.Go = &f.Go.Version
		}
		for _, r := range f.Require {
			m.Requires = append(m.Requires, goModRequire{r.Mod.Path, r.Mod.Version, r.Indirect})
		}
		for _, r := range f.Replace {
			m.Replaces = append(m.Replaces, goModReplace{r.Old.Path, r.Old.Version, r.New.Path, r.New.Version})
		}
		for _, x := range f.Exclude {
			m.Excludes = append(m.Excludes, goModExclude{x.Mod.Path, x.Mod.Version})
		}
		return []any{in.GoMod[i], m, nil}
	})
	rows("NETRC", len(in.Netrc), func(i int) []any {
		entries := []netrcEntry{}
		for _, l := range auth.ParseNetrcForVectors(in.Netrc[i]) {
			entries = append(entries, netrcEntry{l[0], l[1], l[2]})
		}
		return []any{in.Netrc[i], entries}
	})
	rows("PROXY_LIST", len(in.ProxyList), func(i int) []any {
		entries, err := modfetch.ProxyListForVectors(in.ProxyList[i][0], in.ProxyList[i][1])
		return []any{in.ProxyList[i][0], in.ProxyList[i][1], entries, errText(err)}
	})
	rows("GOSUMDB", len(in.GoSumDB), func(i int) []any { return []any{in.GoSumDB[i], modfetch.DbDialForVectors(in.GoSumDB[i])} })
	write(out)
}

// httpProxy prints http.ProxyFromEnvironment's decision for each target URL on stdin, under this
// process's environment. net/http's ProxyFromEnvironment(req) is envProxyFunc()(req.URL), and envProxyFunc
// is httpproxy.FromEnvironment().ProxyFunc(), once per process (net/http/transport.go), over the x/net that
// go vendors in $GOROOT/src/vendor (the recorder's golang.org/x/net is a copy of it): calling that directly
// spares building net/http and crypto/tls, about 25 s of CPU per go on a cold build cache.
func httpProxy() {
	var targets []string
	if err := json.NewDecoder(os.Stdin).Decode(&targets); err != nil {
		panic(err)
	}
	proxyFunc := httpproxy.FromEnvironment().ProxyFunc()
	decisions := [][]any{}
	for _, t := range targets {
		u, err := url.Parse(t)
		if err != nil {
			panic(err)
		}
		p, err := proxyFunc(u)
		switch {
		case err != nil:
			decisions = append(decisions, []any{t, nil, err.Error()})
		case p == nil:
			decisions = append(decisions, []any{t, nil, nil})
		default:
			decisions = append(decisions, []any{t, p.String(), nil})
		}
	}
	write(decisions)
}

func write(v any) {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
}
