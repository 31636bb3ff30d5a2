package wire

import (
	"bytes"
	"context"
	"sync/atomic"
	"time"
)

// Timing records when a call's request body had been taken by the transport and when the
// answer's header arrived. It lets a caller that stopped waiting tell a slow Personyze (the
// request went out long ago and nothing came back) from a slow process of its own (the
// request had barely gone out, or the answer was there but not yet read), which must not
// count against Personyze. For a request split into several calls it describes the last
// call. Safe for concurrent use.
type Timing struct {
	wrote     atomic.Int64 // unix nanoseconds; 0 until known
	firstByte atomic.Int64
	body      timedBody
}

type timingKey struct{}

// WithTiming returns ctx with tm recording the call Send makes with it.
func WithTiming(ctx context.Context, tm *Timing) context.Context {
	return context.WithValue(ctx, timingKey{}, tm)
}

// timingOf returns the Timing of ctx, or nil.
func timingOf(ctx context.Context) *Timing {
	tm, _ := ctx.Value(timingKey{}).(*Timing)
	return tm
}

// Slow reports whether, at now, Personyze has kept a written request waiting for at least
// wait without answering: the request was written at least wait ago and no answer has
// arrived. Unknown timings are not slow.
func (tm *Timing) Slow(now time.Time, wait time.Duration) bool {
	w := tm.wrote.Load()
	return w != 0 && tm.firstByte.Load() == 0 && now.UnixNano()-w >= int64(wait)
}

// Upstream returns how long Personyze took from the written request to its answer's
// header, and false when either is unknown.
func (tm *Timing) Upstream() (time.Duration, bool) {
	w, f := tm.wrote.Load(), tm.firstByte.Load()
	if w == 0 || f == 0 || f < w {
		return 0, false
	}
	return time.Duration(f - w), true
}

// start resets tm for a call that sends b and returns the body to send: tm's own the first
// time, a new one for every later call (a retry, the next part of a split request), since a
// transport may still hold an earlier body after returning (it may close it later).
func (tm *Timing) start(b []byte) *timedBody {
	tm.wrote.Store(0)
	tm.firstByte.Store(0)
	body := &tm.body
	if body.tm != nil {
		body = &timedBody{}
	}
	body.Reader.Reset(b)
	body.tm = tm
	return body
}

// answered records the arrival of the answer's header.
func (tm *Timing) answered() { tm.firstByte.Store(time.Now().UnixNano()) }

// timedBody is a request body that records when the transport has taken the last of it
// (the request is then written, up to the transport's own buffering). This works with any
// RoundTripper that reads the body, unlike net/http/httptrace hooks, and costs no
// allocation beyond the Timing.
type timedBody struct {
	bytes.Reader
	tm *Timing
}

// Read reads from the body and notes when it is exhausted.
func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.Reader.Read(p)
	if b.Reader.Len() == 0 && b.tm.wrote.Load() == 0 {
		b.tm.wrote.Store(time.Now().UnixNano())
	}
	return n, err
}
