// Records what one go version's standard library says for the inputs of the probe's vector tables:
// url.Parse (and String, Redacted), url.PathEscape, strconv.Quote, path.Match. Reads the inputs as JSON
// on stdin and prints the results as JSON; test/vectors/record.ts runs it with each modelled go
// (`npm run record-vectors -- /path/to/go`) inside a module whose go line is that go's, so the GODEBUG
// defaults are the ones cmd/go itself runs with.
package main

import (
	"encoding/json"
	"net/url"
	"os"
	"path"
	"runtime"
	"strconv"
)

type input struct {
	URLParse   []string    `json:"urlParse"`
	PathEscape []string    `json:"pathEscape"`
	Quote      []string    `json:"quote"`
	PathMatch  [][2]string `json:"pathMatch"`
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

type output struct {
	Go         string  `json:"go"`
	URLParse   [][]any `json:"URL_PARSE"`
	PathEscape [][]any `json:"PATH_ESCAPE"`
	Quote      [][]any `json:"QUOTE"`
	PathMatch  [][]any `json:"PATH_MATCH"`
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	out := output{Go: runtime.Version(), URLParse: [][]any{}, PathEscape: [][]any{}, Quote: [][]any{}, PathMatch: [][]any{}}
	for _, raw := range in.URLParse {
		u, err := url.Parse(raw)
		if err != nil {
			out.URLParse = append(out.URLParse, []any{raw, nil, err.Error()})
			continue
		}
		_, hasPassword := u.User.Password()
		out.URLParse = append(out.URLParse, []any{raw, parsedURL{u.Scheme, u.Host, u.Hostname(), u.Port(), u.Path, u.String(), u.Redacted(), hasPassword}, nil})
	}
	for _, s := range in.PathEscape {
		out.PathEscape = append(out.PathEscape, []any{s, url.PathEscape(s)})
	}
	for _, s := range in.Quote {
		out.Quote = append(out.Quote, []any{s, strconv.Quote(s)})
	}
	for _, pn := range in.PathMatch {
		matched, err := path.Match(pn[0], pn[1])
		out.PathMatch = append(out.PathMatch, []any{pn[0], pn[1], matched, err != nil})
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		panic(err)
	}
}
