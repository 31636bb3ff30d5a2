package wire

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"
)

// TestTiming: a request that went out and waits for its answer is slow for a far-off now,
// and stops being slow once the answer arrived; the upstream time is then known.
func TestTiming(t *testing.T) {
	release := make(chan struct{})
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		<-release
		_, _ = io.WriteString(w, `{"session_id":"1700000000 a"}`)
	})
	tm := new(Timing)
	if tm.Slow(time.Now().Add(time.Hour), 0) {
		t.Fatal("slow before anything was sent")
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Send(WithTiming(context.Background(), tm), &Request{UserID: 1, Commands: []Command{navigate("d")}})
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !tm.Slow(time.Now().Add(time.Hour), time.Minute) {
		if time.Now().After(deadline) {
			t.Fatal("the written request never counted as waiting")
		}
		time.Sleep(time.Millisecond)
	}
	if tm.Slow(time.Now(), time.Hour) {
		t.Fatal("slow before the wait was over")
	}
	if _, ok := tm.Upstream(); ok {
		t.Fatal("upstream time known before the answer")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if tm.Slow(time.Now().Add(time.Hour), 0) {
		t.Fatal("slow after the answer")
	}
	if d, ok := tm.Upstream(); !ok || d <= 0 {
		t.Fatalf("upstream %v %t", d, ok)
	}
}
