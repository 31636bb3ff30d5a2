package delivery

import (
	"bytes"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// eventually waits (boundedly) until cond holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// workers counts the runner goroutines started from the calling goroutine (the test's own:
// runners of other tests are not counted): all of them, and those parked in work's select
// waiting for a job. A goroutine parked there is already a receiver on the jobs channel, so
// a run made after seeing it is handed to it for sure; idle alone does not prove that, as a
// goroutine counts itself idle just before it starts waiting.
func workers() (all, waiting int) {
	me := goroutineID()
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if !strings.Contains(g, "delivery.(*runner).work(") || !strings.Contains(g, " in goroutine "+me+"\n") {
			continue
		}
		all++
		if header, _, _ := strings.Cut(g, "\n"); strings.Contains(header, " [select") {
			waiting++
		}
	}
	return all, waiting
}

// goroutineID returns the id of the calling goroutine, as stack traces show it.
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)] // "goroutine 7 [running]:..."
	id, _, _ := bytes.Cut(bytes.TrimPrefix(buf, []byte("goroutine ")), []byte(" "))
	return string(id)
}

func TestRunnerReusesIdleGoroutines(t *testing.T) {
	r := newRunner(2)
	defer r.stop()
	ran := make(chan struct{})
	r.run(func() { close(ran) })
	<-ran
	eventually(t, "the first goroutine waits for work", func() bool {
		all, waiting := workers()
		return r.idle.Load() == 1 && all == 1 && waiting == 1
	})

	release := make(chan struct{})
	running := make(chan struct{})
	r.run(func() { close(running); <-release })
	<-running
	// A new goroutine would have left the idle one waiting.
	if n := r.idle.Load(); n != 0 {
		t.Fatalf("%d idle goroutines while the only one runs the second call", n)
	}
	close(release)
	eventually(t, "it waits again", func() bool { return r.idle.Load() == 1 })
}

func TestRunnerKeepsAtMostMaxIdle(t *testing.T) {
	const maxIdle, calls = 2, 6
	r := newRunner(maxIdle)
	defer r.stop()
	release := make(chan struct{})
	var started, finished sync.WaitGroup
	started.Add(calls)
	finished.Add(calls)
	for range calls {
		r.run(func() { started.Done(); <-release; finished.Done() })
	}
	started.Wait() // all at once: each on a goroutine of its own
	close(release)
	finished.Wait()
	// Once only maxIdle goroutines are left, all waiting for work, idle no longer moves (a
	// goroutine on its way out counts itself idle for a moment).
	eventually(t, "the extra goroutines leave", func() bool {
		all, waiting := workers()
		return all == maxIdle && waiting == maxIdle
	})
	if n := r.idle.Load(); n != maxIdle {
		t.Fatalf("%d idle goroutines, want %d", n, maxIdle)
	}
}

func TestRunnerStop(t *testing.T) {
	r := newRunner(4)
	release := make(chan struct{})
	var started, finished sync.WaitGroup
	for range 3 {
		started.Add(1)
		finished.Add(1)
		r.run(func() { started.Done(); <-release; finished.Done() })
	}
	started.Wait()
	close(release)
	finished.Wait()
	eventually(t, "three idle goroutines", func() bool { return r.idle.Load() == 3 })
	r.stop() // returns once they have
	if n := r.idle.Load(); n != 0 {
		t.Fatalf("%d goroutines still idle after stop", n)
	}
}
