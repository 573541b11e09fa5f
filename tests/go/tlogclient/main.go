// tlogclient checks a Chancery service from outside, with the Go module mirror's own
// transparency-log code (golang.org/x/mod/sumdb/note and sumdb/tlog): it verifies the served
// checkpoint's signed note, parses its three lines itself, reads the C2SP tiles through its own
// TileReader, and checks inclusion proofs of entries (their bytes read from the entry bundles)
// and a consistency proof from an older checkpoint, each against the signed roots.
//
//	go run ./tests/go/tlogclient BASE_URL VKEY OLD_CHECKPOINT_FILE
//
// It prints "ok N" (the checkpoint's size) and exits 0, or prints what failed and exits 1.
package main

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(format string, args ...interface{}) {
	fmt.Printf("FAIL "+format+"\n", args...)
	os.Exit(1)
}

func get(url string) []byte {
	resp, err := http.Get(url)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		fail("GET %s: status %d: %v", url, resp.StatusCode, err)
	}
	return body
}

// checkpoint opens a signed checkpoint with the log's verifier and parses its body: origin,
// size, base64 root hash (C2SP tlog-checkpoint).
func checkpoint(text []byte, verifier note.Verifier) (string, int64, tlog.Hash) {
	n, err := note.Open(text, note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint signature: %v", err)
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 {
		fail("checkpoint has fewer than three lines: %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		fail("checkpoint size %q", lines[1])
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		fail("checkpoint root %q", lines[2])
	}
	var root tlog.Hash
	copy(root[:], raw)
	return lines[0], size, root
}

// tiles reads hash tiles at the service's C2SP paths (tile/<L>/<N>[.p/<W>]; tlog's own paths
// carry the height, tile/8/<L>/…).
type tiles struct{ base string }

func (t tiles) Height() int { return 8 }

func (t tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, tile := range ts {
		path := strings.TrimPrefix(tile.Path(), "tile/8/")
		out[i] = get(t.base + "/tile/" + path)
	}
	return out, nil
}

func (t tiles) SaveTiles([]tlog.Tile, [][]byte) {}

// entry reads entry n's bytes from its entry bundle (a big-endian 16-bit length before each
// entry), in a tree of size entries.
func entry(base string, n, size int64) []byte {
	tile := tlog.Tile{H: 8, L: -1, N: n / 256, W: 256}
	if rest := size - tile.N*256; rest < 256 {
		tile.W = int(rest)
	}
	path := strings.TrimPrefix(tile.Path(), "tile/8/data/")
	bundle := get(base + "/tile/entries/" + path)
	for i := int64(0); ; i++ {
		if len(bundle) < 2 {
			fail("entry bundle %s ends before entry %d", path, n)
		}
		l := int(binary.BigEndian.Uint16(bundle))
		if len(bundle) < 2+l {
			fail("entry bundle %s cut short", path)
		}
		if tile.N*256+i == n {
			return bundle[2 : 2+l]
		}
		bundle = bundle[2+l:]
	}
}

func main() {
	if len(os.Args) != 4 {
		fail("usage: tlogclient BASE_URL VKEY OLD_CHECKPOINT_FILE")
	}
	base, vkey := strings.TrimRight(os.Args[1], "/"), os.Args[2]
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	origin, size, root := checkpoint(get(base+"/checkpoint"), verifier)
	if origin != verifier.Name() {
		fail("checkpoint origin %q, key name %q", origin, verifier.Name())
	}
	reader := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, tiles{base})

	for _, n := range []int64{0, size / 2, size - 1} {
		proof, err := tlog.ProveRecord(size, n, reader)
		if err != nil {
			fail("inclusion proof of %d: %v", n, err)
		}
		leaf := tlog.RecordHash(entry(base, n, size))
		if err := tlog.CheckRecord(proof, size, root, n, leaf); err != nil {
			fail("inclusion of entry %d: %v", n, err)
		}
	}

	oldText, err := os.ReadFile(os.Args[3])
	if err != nil {
		fail("old checkpoint: %v", err)
	}
	_, oldSize, oldRoot := checkpoint(oldText, verifier)
	proof, err := tlog.ProveTree(size, oldSize, reader)
	if err != nil {
		fail("consistency proof %d..%d: %v", oldSize, size, err)
	}
	if err := tlog.CheckTree(proof, size, root, oldSize, oldRoot); err != nil {
		fail("consistency %d..%d: %v", oldSize, size, err)
	}
	fmt.Printf("ok %d\n", size)
}
