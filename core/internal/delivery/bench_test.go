package delivery

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core/internal/wire"
)

// benchWorkers is the worker bound the Tracker configures (deliveryWorkers).
const benchWorkers = 64

// benchQueue starts a Queue for b.N requests (none over the bound) whose Send calls send.
func benchQueue(b *testing.B, send func(context.Context) error) (*Queue, *sink) {
	s := &sink{}
	q := New(Options{Size: b.N + 1, Workers: benchWorkers, MaxRetries: 3, Backoff: time.Millisecond,
		Send:        func(ctx context.Context, _ *wire.Request, _ int) error { return send(ctx) },
		BreakerWait: func() (time.Duration, bool) { return 0, false }, Metrics: s})
	return q, s
}

// enqueueAll hands b.N requests of the given number of visitors over from parallel
// goroutines, as pages do.
func enqueueAll(b *testing.B, q *Queue, visitors int) {
	reqs := make([]*wire.Request, visitors)
	for i := range reqs {
		reqs[i] = req(uint32(i+1), 1)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			q.Enqueue(reqs[i%visitors])
			i += 7
		}
	})
}

// BenchmarkEnqueue measures handing a request over to background delivery (the part a
// page pays), while Personyze does not answer: the requests stay queued. One visitor's
// requests all go to one lane; a thousand visitors' to many.
func BenchmarkEnqueue(b *testing.B) {
	for _, visitors := range []int{1, 1000} {
		b.Run(fmt.Sprintf("visitors=%d", visitors), func(b *testing.B) {
			release := make(chan struct{})
			q, _ := benchQueue(b, func(context.Context) error { <-release; return nil })
			enqueueAll(b, q, visitors)
			b.StopTimer()
			close(release)
			if err := q.Close(context.Background()); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkDeliver measures the queue's own cost per request delivered: b.N requests
// handed over from parallel goroutines and sent by the workers to a Personyze that answers
// at once, until none is pending.
func BenchmarkDeliver(b *testing.B) {
	for _, visitors := range []int{1, 1000} {
		b.Run(fmt.Sprintf("visitors=%d", visitors), func(b *testing.B) {
			q, s := benchQueue(b, func(context.Context) error { return nil })
			enqueueAll(b, q, visitors)
			if err := q.Close(context.Background()); err != nil { // waits for every delivery
				b.Fatal(err)
			}
			if n := s.delivered.Load(); n != int64(b.N) {
				b.Fatalf("delivered %d of %d", n, b.N)
			}
		})
	}
}
