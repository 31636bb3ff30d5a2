package core

import (
	"bytes"
	"net/http"
	"testing"
)

// FuzzStreamTail: whatever a streaming page writes, split into writes however, every byte
// reaches the writer exactly once and in order (what went out, then the held tail), and the
// held tail starts at the last "</body" of the body (any case), or is at most a partial one
// at its end: the streamed regions go before it and nowhere else.
func FuzzStreamTail(f *testing.F) {
	f.Add([]byte("<p>a</p></body></html>"), []byte{3, 9})
	f.Add([]byte(`<script>var s="</body>"</script><p>b</p></body></html>`), []byte{20, 40})
	f.Add([]byte("x</BODY>y</body>z</bOdY"), []byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte("x</bo"), []byte{4})
	f.Add([]byte("</body></body></body>"), []byte{7, 7, 7})
	f.Fuzz(func(t *testing.T, body, cuts []byte) {
		v := &Visit{stream: &streamState{deferred: []deferredRegion{{id: "pz1"}}}}
		v.holding.Store(true)
		v.sent.Store(true)
		var out bytes.Buffer
		rest := body
		for _, c := range cuts {
			n := min(int(c), len(rest))
			if _, err := (*Exchange)(v).WriteBody(&out, http.StatusOK, rest[:n]); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		if _, err := (*Exchange)(v).WriteBody(&out, http.StatusOK, rest); err != nil {
			t.Fatal(err)
		}
		tail := v.stream.tail
		if got := append(out.Bytes(), tail...); !bytes.Equal(got, body) {
			t.Fatalf("wrote %q and held %q: not the body %q", out.Bytes(), tail, body)
		}
		if i := lastIndexFold(body, bodyEnd); i >= 0 {
			if len(tail) != len(body)-i {
				t.Fatalf("held %q, want from the last %q of %q", tail, bodyEnd, body)
			}
		} else if len(tail) >= len(bodyEnd) || partialSuffix(body, bodyEnd) != len(tail) {
			t.Fatalf("held %q of %q, which has no %q", tail, body, bodyEnd)
		}
	})
}
