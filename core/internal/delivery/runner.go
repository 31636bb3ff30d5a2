package delivery

import (
	"sync"
	"sync/atomic"
)

// runner runs page calls on reused goroutines. A page call runs on a goroutine of its own,
// so that the page can stop waiting at its budget while the call goes on; a fresh goroutine
// for every call pays for its creation and then for growing its stack through the HTTP
// client and the decoder (together about a sixth of a page view's CPU). A goroutine that
// has finished a call waits for the next one instead, as long as no more than maxIdle
// others already wait.
type runner struct {
	jobs    chan func() // unbuffered: a send succeeds only when an idle goroutine takes it
	done    chan struct{}
	idle    atomic.Int32
	maxIdle int32
	running sync.WaitGroup // every goroutine of the runner, busy or idle
}

func newRunner(maxIdle int) *runner {
	return &runner{jobs: make(chan func()), done: make(chan struct{}), maxIdle: int32(maxIdle)}
}

// run runs f on an idle goroutine, or on a new one when none is idle. It never blocks.
func (r *runner) run(f func()) {
	select {
	case r.jobs <- f:
	default:
		r.running.Go(func() { r.work(f) })
	}
}

// work runs f, then the calls handed to it while it is idle, until there are enough idle
// goroutines without it or the runner stops.
func (r *runner) work(f func()) {
	for {
		f()
		if r.idle.Add(1) > r.maxIdle {
			r.idle.Add(-1)
			return
		}
		select {
		case f = <-r.jobs:
			r.idle.Add(-1)
		case <-r.done:
			r.idle.Add(-1)
			return
		}
	}
}

// stop ends the runner's goroutines and waits until they have returned, so that nothing
// of a closed Tracker keeps running. Call it once, after the last call has finished.
func (r *runner) stop() {
	close(r.done)
	r.running.Wait()
}
