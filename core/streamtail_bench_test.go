package core

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

// BenchmarkRegionHoldTail measures the writes of a streaming page after its region: 64 KiB
// in 512-byte writes searched for "</body", then the held end of the body in small pieces
// (a page's closing scripts after "</body>").
func BenchmarkRegionHoldTail(b *testing.B) {
	chunk := bytes.Repeat([]byte("<li>x</li>"), 52)[:512]
	end := [][]byte{[]byte("</body>"), []byte("<script src=/a.js></script>"), []byte("\n"), []byte("</html>")}
	b.SetBytes(int64(128*len(chunk)) + 40)
	b.ReportAllocs()
	for b.Loop() {
		v := &Visit{stream: &streamState{deferred: []deferredRegion{{id: "pz1"}}}}
		v.holding.Store(true)
		v.sent.Store(true)
		for range 128 {
			_, _ = (*Exchange)(v).WriteBody(io.Discard, http.StatusOK, chunk)
		}
		for _, e := range end {
			_, _ = (*Exchange)(v).WriteBody(io.Discard, http.StatusOK, e)
		}
	}
}
