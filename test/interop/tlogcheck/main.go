// tlogcheck verifies an Anxin server with the Go reference implementations (golang.org/x/mod/sumdb/note and
// sumdb/tlog), which nobody on the project wrote: the checkpoint's signed note, the tree rebuilt from tlog-tiles,
// every entry bundle's leaves, a record proof from each tlog-proof file, and a tree proof from an older checkpoint.
//
// Usage: tlogcheck <base URL> <log vkey> [<older checkpoint file>]
// Prints one JSON line on success; exits 1 with a message otherwise. GOPATH mode, no network but the server.
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var base string

func get(path string) []byte {
	res, err := http.Get(base + "/" + path)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		fail("GET %s: status %d", path, res.StatusCode)
	}
	return b
}

func fail(f string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogcheck: "+f+"\n", a...)
	os.Exit(1)
}

// checkpoint opens a signed checkpoint note with the log's verifier and parses origin, size and root.
func checkpoint(msg []byte, v note.Verifier) (string, int64, tlog.Hash) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		fail("note.Open: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 3 {
		fail("checkpoint has %d lines", len(lines))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("size line: %v", err)
	}
	h, err := tlog.ParseHash(lines[2])
	if err != nil {
		fail("root line: %v", err)
	}
	return lines[0], size, h
}

// tiles reads C2SP tiles: Go's tile paths carry the height ("tile/8/L/..."), tlog-tiles paths do not.
type tiles struct{ cache map[string][]byte }

func (t *tiles) Height() int { return 8 }
func (t *tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, tile := range ts {
		p := "tile/" + strings.TrimPrefix(tile.Path(), "tile/8/")
		if _, ok := t.cache[p]; !ok {
			t.cache[p] = get(p)
		}
		out[i] = t.cache[p]
	}
	return out, nil
}
func (t *tiles) SaveTiles(ts []tlog.Tile, data [][]byte) {}

// entries decodes entry bundle n (width w): big-endian uint16 length-prefixed leaf inputs.
func entries(n, w int64) [][]byte {
	path := "tile/entries/" + strings.TrimPrefix(tlog.Tile{H: 8, L: 0, N: n, W: int(w)}.Path(), "tile/8/0/")
	b := get(path)
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			fail("%s: truncated length", path)
		}
		l := int(b[0])<<8 | int(b[1])
		if len(b) < 2+l {
			fail("%s: truncated entry", path)
		}
		out = append(out, b[2:2+l])
		b = b[2+l:]
	}
	if int64(len(out)) != w {
		fail("%s: %d entries, want %d", path, len(out), w)
	}
	return out
}

func main() {
	if len(os.Args) < 3 {
		fail("usage: tlogcheck <base URL> <log vkey> [<older checkpoint file>]")
	}
	base = strings.TrimSuffix(os.Args[1], "/")
	v, err := note.NewVerifier(os.Args[2])
	if err != nil {
		fail("note.NewVerifier: %v", err)
	}
	origin, size, root := checkpoint(get("checkpoint"), v)
	if origin != v.Name() {
		fail("origin %q is not the key name %q", origin, v.Name())
	}
	tree := tlog.Tree{N: size, Hash: root}
	thr := tlog.TileHashReader(tree, &tiles{cache: map[string][]byte{}})
	// TreeHash through the tile reader checks every tile it reads against the signed root.
	if h, err := tlog.TreeHash(size, thr); err != nil || h != root {
		fail("tree rebuilt from tiles: %v (root %v, want %v)", err, h, root)
	}
	records := 0
	for n := int64(0); n*256 < size; n++ {
		w := size - n*256
		if w > 256 {
			w = 256
		}
		for j, e := range entries(n, w) {
			i := n*256 + int64(j)
			p, err := tlog.ProveRecord(size, i, thr)
			if err != nil {
				fail("ProveRecord(%d): %v", i, err)
			}
			if err := tlog.CheckRecord(p, size, root, i, tlog.RecordHash(e)); err != nil {
				fail("CheckRecord(%d) with the entry bundle's leaf: %v", i, err)
			}
			records++
		}
	}
	// The server's own inclusion proofs (tlog-proof files), checked by tlog.CheckRecord.
	served := 0
	for _, i := range []int64{0, size / 2, size - 1} {
		if i < 0 || size == 0 {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(get(fmt.Sprintf("v1/log/tlog-proof/%d", i))))
		var extra []byte
		var proof tlog.RecordProof
		for line := 0; sc.Scan(); line++ {
			t := sc.Text()
			switch {
			case line == 0 && t != "c2sp.org/tlog-proof@v1":
				fail("tlog-proof header %q", t)
			case strings.HasPrefix(t, "extra "):
				extra, _ = base64.StdEncoding.DecodeString(t[6:])
			case strings.HasPrefix(t, "index "):
			case line > 0 && t != "":
				h, err := tlog.ParseHash(t)
				if err != nil {
					fail("tlog-proof line: %v", err)
				}
				proof = append(proof, h)
			}
			if line > 0 && t == "" {
				break
			}
		}
		if err := tlog.CheckRecord(proof, size, root, i, tlog.RecordHash(extra)); err != nil {
			fail("CheckRecord of the served tlog-proof for %d: %v", i, err)
		}
		served++
	}
	out := map[string]interface{}{"origin": origin, "size": size, "records": records, "servedProofs": served}
	if len(os.Args) > 3 {
		old, err := os.ReadFile(os.Args[3])
		if err != nil {
			fail("%v", err)
		}
		_, oldSize, oldRoot := checkpoint(old, v)
		p, err := tlog.ProveTree(size, oldSize, thr)
		if err != nil {
			fail("ProveTree: %v", err)
		}
		if err := tlog.CheckTree(p, size, root, oldSize, oldRoot); err != nil {
			fail("CheckTree(%d -> %d): %v", oldSize, size, err)
		}
		out["treeProofFrom"] = oldSize
	}
	j, _ := json.Marshal(out)
	fmt.Println(string(j))
}
