package core_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// TestSoakHeapLevelsOff drives thousands of distinct visitors (no cookie, a new
// User-Agent and language each) through a Tracker and the simulator in this process, every
// answer carrying an HTML banner of soakBannerBytes (some 45 KB of escaped JSON), and
// checks that the heap in use after a forced GC levels off: the per-visitor memories whose
// entries vary in size (last good results, newest session ids, verified cookies, and the
// simulator's records and visitors) are bounded in bytes as well as in entries, and none
// keeps a whole answer alive for a small part of it. On the code before, each visitor's
// session id, kept in the cookie cache and the newest-session registry, held its whole
// answer: the heap grew by some 110 KB per visitor, up to the entry bounds (10,000+).
func TestSoakHeapLevelsOff(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("a soak test: skipped under -race and -short")
	}
	const (
		soakBannerBytes = 16 << 10
		perCheckpoint   = 500
		checkpoints     = 6
		workers         = 4
	)
	acc := personyzetest.Account{
		Conditions: []personyzetest.Condition{{ID: 70, Name: "Everyone", Actions: []int64{700}}},
		Actions: []personyzetest.Action{{ID: 700, Name: "Big banner", ContentType: personyzetest.ContentTypeHTML,
			ContentParam: "message", Data: map[string]string{"message": strings.Repeat("<p>sale</p>", soakBannerBytes/11)}}},
	}
	sim := personyzetest.NewServer(personyzetest.Options{Account: &acc})
	defer sim.Close()
	tr, err := core.New(core.Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), Timeout: 10 * time.Second,
		SessionKeys: [][]byte{[]byte(strings.Repeat("h", 64)), []byte(strings.Repeat("e", 32))}})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close(context.Background())

	visit := func(n int) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/products/p%d", n%50), nil)
		r.Header.Set("User-Agent", fmt.Sprintf("Mozilla/5.0 (X11; Linux x86_64; rv:%d.0) Gecko/20100101 Firefox/%d.0", n, n))
		r.Header.Set("Accept-Language", fmt.Sprintf("en-US,x-%d;q=0.5", n))
		r.Header.Set("Accept", "text/html")
		ex := tr.Begin(w, r)
		v := core.FromContext(ex.Request().Context())
		_ = v.Track(core.ProductViewed(fmt.Sprintf("p%d", n%50)))
		ex.BeforeHeader(http.StatusOK)
		ex.End()
		if o := v.Outcome(); o != core.OutcomeOK {
			t.Errorf("visit %d: outcome %v", n, o)
		}
	}
	heap := make([]float64, checkpoints)
	for cp := range checkpoints {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := w; i < perCheckpoint; i += workers {
					visit(cp*perCheckpoint + i)
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		heap[cp] = heapInUseMB()
		t.Logf("after %5d visitors: heap in use %6.1f MB, last good results held for %d visitors",
			(cp+1)*perCheckpoint, heap[cp], tr.Stats().StaleVisitors)
	}
	// The byte bounds fill within the first half; what the second half adds is the entry
	// bounds of small entries filling (about 4 KB per visitor until 10,000 visitors: 6 MB).
	// Keeping each visitor's data would add 24 MB, each answer's text 65 MB.
	const generousMB = 15
	if grew := heap[checkpoints-1] - heap[checkpoints/2]; grew > generousMB {
		t.Errorf("heap grew %.1f MB over the last %d visitors (over %d MB): something keeps per-visitor memory without a byte bound",
			grew, (checkpoints-1-checkpoints/2)*perCheckpoint, generousMB)
	}
}

// heapInUseMB returns the bytes of live heap objects after a forced collection, in MB.
func heapInUseMB() float64 {
	runtime.GC()
	runtime.GC() // the first may leave objects freed by finalizers
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return float64(s[0].Value.Uint64()) / 1e6
}
