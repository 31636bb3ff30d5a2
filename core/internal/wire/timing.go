package wire

import (
	"context"
	"net/http/httptrace"
	"sync/atomic"
	"time"
)

// Timing records when a call's request was written and when the first byte of the answer
// arrived, as the HTTP transport reports them. It lets a caller that stopped waiting tell a
// slow Personyze (the request went out long ago and nothing came back) from a slow process
// of its own (the request had barely gone out, or the answer was there but not yet read),
// which must not count against Personyze. Safe for concurrent use.
type Timing struct {
	wrote     atomic.Int64 // unix nanoseconds; 0 until known
	firstByte atomic.Int64
}

// WithTiming returns ctx with tm recording the call made with it. Transports that do not
// support net/http/httptrace record nothing, which Slow reads as "don't know".
func WithTiming(ctx context.Context, tm *Timing) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { tm.wrote.Store(time.Now().UnixNano()) },
		GotFirstResponseByte: func() {
			tm.firstByte.Store(time.Now().UnixNano())
		},
	})
}

// Slow reports whether, at now, Personyze has kept a written request waiting for at least
// wait without answering: the request was written at least wait ago and no byte of the
// answer has arrived. Unknown timings are not slow.
func (tm *Timing) Slow(now time.Time, wait time.Duration) bool {
	w := tm.wrote.Load()
	return w != 0 && tm.firstByte.Load() == 0 && now.UnixNano()-w >= int64(wait)
}

// Upstream returns how long Personyze took from the written request to the first byte of
// its answer, and false when either is unknown.
func (tm *Timing) Upstream() (time.Duration, bool) {
	w, f := tm.wrote.Load(), tm.firstByte.Load()
	if w == 0 || f == 0 || f < w {
		return 0, false
	}
	return time.Duration(f - w), true
}
