package delivery

import (
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

func TestRunnerReusesIdleGoroutines(t *testing.T) {
	r := newRunner(2)
	defer r.stop()
	ran := make(chan struct{})
	r.run(func() { close(ran) })
	<-ran
	eventually(t, "the first goroutine waits for work", func() bool { return r.idle.Load() == 1 })

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
	eventually(t, "the extra goroutines leave", func() bool { return r.idle.Load() == maxIdle })
	time.Sleep(10 * time.Millisecond)
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
