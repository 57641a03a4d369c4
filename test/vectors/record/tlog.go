// `recorder tlog` prints what the recording go's x/mod (as $GOROOT/src/cmd/vendor vendors it) says for
// the inputs of the probe's sumdb tests (test/unit/sumdb/*.test.ts read test/unit/sumdb/vectors/tlog-go1.<minor>.json):
//
//   - sumdb/tlog over a log of 1100 records (recordText below; the tests build the same texts): record
//     and tree hashes, stored hash indexes and counts, tiles and tile paths, the tiles TileHashReader
//     reads for a lookup, record and tree proofs, tree notes and records;
//   - sumdb/note: a tree note signed with the PeterNeumann key of note's package documentation;
//   - sumdb/dirhash: Hash1 of a module's files and of a go.mod as cmd/go hashes it
//     (cmd/go/internal/modfetch/fetch.go: dirhash.Hash1([]string{"go.mod"}, ...)), HashZip of zips written by
//     archive/zip (the same files as the zips the tests build; HashZip reads names and contents only).
//
// The inputs live here, next to the calls, because each table's inputs are kept in the output beside
// the answers.
package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// recordText is record i of the test log (test/unit/sumdb/tlog.test.ts recordText).
func recordText(i int64) []byte {
	b64 := func(s string) string {
		h := sha256.Sum256([]byte(s))
		return base64.StdEncoding.EncodeToString(h[:])
	}
	return []byte(fmt.Sprintf("example.com/m%d v1.0.%d h1:%s\nexample.com/m%d v1.0.%d/go.mod h1:%s\n", i, i, b64(fmt.Sprintf("zip%d", i)), i, i, b64(fmt.Sprintf("mod%d", i))))
}

// hashStore is the log's stored hashes, in storage order.
type hashStore []tlog.Hash

func (s *hashStore) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = (*s)[x]
	}
	return out, nil
}

// loggingTiles serves tiles from the store and remembers which ones TileHashReader asked for, in order.
type loggingTiles struct {
	store *hashStore
	read  []string
}

func (t *loggingTiles) Height() int { return 8 }

func (t *loggingTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	data := make([][]byte, len(tiles))
	for i, tile := range tiles {
		t.read = append(t.read, tile.Path())
		d, err := tlog.ReadTileData(tile, t.store)
		if err != nil {
			return nil, err
		}
		data[i] = d
	}
	return data, nil
}

func (t *loggingTiles) SaveTiles([]tlog.Tile, [][]byte) {}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func hashStrings(hs []tlog.Hash) []string {
	out := []string{}
	for _, h := range hs {
		out = append(out, h.String())
	}
	return out
}

// hashZipOf writes files (name, content; in this order, duplicates kept) with archive/zip and hashes
// the file as cmd/go hashes a downloaded module zip.
func hashZipOf(dir, name string, files [][2]string) (zipBytes []byte, h1 string) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range files {
		fw := must(w.Create(f[0]))
		must(io.WriteString(fw, f[1]))
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	file := filepath.Join(dir, name)
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		panic(err)
	}
	return buf.Bytes(), must(dirhash.HashZip(file, dirhash.Hash1))
}

func openFrom(files [][2]string) func(string) (io.ReadCloser, error) {
	return func(name string) (io.ReadCloser, error) {
		for _, f := range files {
			if f[0] == name {
				return io.NopCloser(bytes.NewReader([]byte(f[1]))), nil
			}
		}
		return nil, os.ErrNotExist
	}
}

func names(files [][2]string) []string {
	out := []string{}
	for _, f := range files {
		out = append(out, f[0])
	}
	return out
}

func tlogVectors() {
	store := &hashStore{}
	for i := int64(0); i < 1100; i++ {
		*store = append(*store, must(tlog.StoredHashes(i, recordText(i), store))...)
	}
	treeAt := func(n int64) tlog.Hash { return must(tlog.TreeHash(n, store)) }
	out := map[string]any{"go": runtime.Version()}

	out["recordHash0"] = tlog.RecordHash(recordText(0)).String()
	sizes := []int64{1, 2, 3, 4, 5, 7, 8, 9, 255, 256, 257, 511, 512, 513, 1000, 1100}
	treeHash, hashCount := map[string]string{}, map[string]int64{}
	for _, n := range sizes {
		treeHash[strconv.FormatInt(n, 10)] = treeAt(n).String()
		hashCount[strconv.FormatInt(n, 10)] = tlog.StoredHashCount(n)
	}
	out["treeHash"], out["storedHashCount"] = treeHash, hashCount

	rows := [][]any{}
	for _, in := range [][2]int64{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {2, 0}, {0, 255}, {8, 0}, {8, 3}, {3, 100}, {0, 1000000}, {16, 7}} {
		rows = append(rows, []any{in[0], in[1], tlog.StoredHashIndex(int(in[0]), in[1])})
	}
	out["storedHashIndex"] = rows

	rows = [][]any{}
	for _, index := range []int64{0, 1, 2, 3, 4, 5, 6, 7, 100, 510, 511, 1000, 2046, 123456789} {
		level, n := tlog.SplitStoredHashIndex(index)
		rows = append(rows, []any{index, level, n})
	}
	out["split"] = rows

	rows = [][]any{}
	for _, index := range []int64{0, 1, 2, 3, 100, 510, 511, 512, 1000, 2046, 2047, 123456789, 510, 2045, 393213} {
		rows = append(rows, []any{index, tlog.TileForIndex(8, index).Path()})
	}
	out["tileForIndex"] = rows

	rows = [][]any{}
	for _, t := range []tlog.Tile{{H: 8, L: 0, N: 0, W: 256}, {H: 8, L: 0, N: 0, W: 5}, {H: 8, L: 1, N: 3, W: 1}, {H: 8, L: -1, N: 1234067, W: 256}, {H: 3, L: 4, N: 1234067, W: 1}, {H: 8, L: 2, N: 1000, W: 255}, {H: 1, L: 0, N: 999, W: 1}} {
		rows = append(rows, []any{t.H, t.L, t.N, t.W, t.Path()})
	}
	out["tilePath"] = rows

	rows = [][]any{}
	for _, p := range []string{
		"tile/8/0/000", "tile/8/0/000.p/5", "tile/8/data/x001/x234/067", "tile/8/0/x001/000.p/1", "tile/8/0/001.p/256", "tile/8/0/0",
		"tile/8/0/x000/001", "tile/31/0/000", "tile/8/-1/000", "tile/8/0/000.p/0", "tile/8/0/1000", "tile/+8/0/000", "tile/8/0", "til/8/0/000",
		"tile/8/0/000.p", "tile/8/0.p/5", "tile/8/0/x001/x234/067.p/255", "tile/8/01/000",
	} {
		t, err := tlog.ParseTilePath(p)
		if err != nil {
			rows = append(rows, []any{p, err.Error()})
		} else {
			rows = append(rows, []any{p, []any{t.H, t.L, t.N, t.W}})
		}
	}
	out["parseTilePath"] = rows

	rows = [][]any{}
	for _, in := range [][2]int64{{0, 1}, {0, 256}, {1, 257}, {255, 513}, {1000, 1003}} {
		paths := []string{}
		for _, t := range tlog.NewTiles(8, in[0], in[1]) {
			paths = append(paths, t.Path())
		}
		rows = append(rows, []any{in[0], in[1], paths})
	}
	out["newTiles"] = rows

	// The tiles a lookup of record id in a tree of size n reads (sumdb client.go: TileHashReader).
	rows = [][]any{}
	for _, in := range [][2]int64{{1, 0}, {2, 1}, {255, 100}, {256, 255}, {257, 0}, {257, 256}, {1000, 3}, {1000, 999}, {1100, 700}} {
		tr := &loggingTiles{store: store}
		hs := must(tlog.TileHashReader(tlog.Tree{N: in[0], Hash: treeAt(in[0])}, tr).ReadHashes([]int64{tlog.StoredHashIndex(0, in[1])}))
		if hs[0] != tlog.RecordHash(recordText(in[1])) {
			panic(fmt.Sprintf("TileHashReader returned a wrong hash for record %d", in[1]))
		}
		rows = append(rows, []any{in[0], in[1], tr.read})
	}
	out["tileReads"] = rows

	rows = [][]any{}
	for _, in := range [][2]int64{{1, 0}, {2, 0}, {2, 1}, {7, 3}, {8, 7}, {257, 256}, {1000, 0}, {1000, 999}, {1000, 513}} {
		rows = append(rows, []any{in[0], in[1], hashStrings(must(tlog.ProveRecord(in[0], in[1], store)))})
	}
	out["proveRecord"] = rows

	rows = [][]any{}
	for _, in := range [][2]int64{{1, 1}, {2, 1}, {7, 3}, {8, 5}, {257, 256}, {1000, 1}, {1000, 999}, {1000, 513}} {
		rows = append(rows, []any{in[0], in[1], hashStrings(must(tlog.ProveTree(in[0], in[1], store)))})
	}
	out["proveTree"] = rows

	tree5 := tlog.FormatTree(tlog.Tree{N: 5, Hash: treeAt(5)})
	out["formatTree5"] = string(tree5)
	out["formatRecord3"] = string(must(tlog.FormatRecord(3, recordText(3))))
	// The signer key of golang.org/x/mod/sumdb/note's package documentation; Ed25519 signatures are deterministic.
	signer := must(note.NewSigner("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"))
	out["signedTree5"] = string(must(note.Sign(&note.Note{Text: string(tree5)}, signer)))

	// Module files (test/unit/sumdb/zip-dirhash.test.ts FILES), in the order the zip holds them.
	files := [][2]string{
		{"example.com/m@v1.0.0/go.mod", "module example.com/m\n"},
		{"example.com/m@v1.0.0/a.go", "package m\n"},
		{"example.com/m@v1.0.0/b.txt", ""},
		{"example.com/m@v1.0.0/Z/ü.txt", "x"},
	}
	out["hash1"] = must(dirhash.Hash1(names(files), openFrom(files)))
	goMod := [][2]string{{"go.mod", "module example.com/m\n"}}
	out["hashGoMod"] = must(dirhash.Hash1(names(goMod), openFrom(goMod)))

	dir := must(os.MkdirTemp("", "tlog-vectors-"))
	defer os.RemoveAll(dir)
	goZip, goZipHash := hashZipOf(dir, "go.zip", files)
	out["goZip"], out["goZipHash"] = base64.StdEncoding.EncodeToString(goZip), goZipHash
	// The zips the tests build with src/lab/modzip.ts buildModule and writeZip (same names and contents).
	_, out["hashZip:a.zip"] = hashZipOf(dir, "a.zip", [][2]string{
		{"example.com/m@v1.0.0/Z/ü.txt", "x"},
		{"example.com/m@v1.0.0/a.go", "package m\n"},
		{"example.com/m@v1.0.0/b.txt", ""},
		{"example.com/m@v1.0.0/go.mod", "module example.com/m\n"},
	})
	lorem := ""
	for i := 0; i < 5000; i++ {
		lorem += "lorem ipsum dolor sit amet "
	}
	_, out["hashZip:b.zip"] = hashZipOf(dir, "b.zip", [][2]string{
		{"github.com/Azure/go-Thing/v2@v2.3.4-RC1/LICENSE", "MIT\n"},
		{"github.com/Azure/go-Thing/v2@v2.3.4-RC1/go.mod", "module github.com/Azure/go-Thing/v2\n"},
		{"github.com/Azure/go-Thing/v2@v2.3.4-RC1/x/y/z.go", lorem},
	})
	// A name twice (hashed twice, with the content the last entry of that name has) and a directory entry.
	_, out["hashZip:dup.zip"] = hashZipOf(dir, "dup.zip", [][2]string{{"p@v1/a", "1"}, {"p@v1/b", "2"}, {"p@v1/a", "3"}, {"p@v1/dir/", ""}})

	write(out)
}
