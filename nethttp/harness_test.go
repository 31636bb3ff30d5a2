package nethttp_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/core/personyzetest"
	"github.com/gopersonyze/personyze/nethttp"
)

// env is one test's world (the conformance suite's, with the test's own handler behind
// the nethttp middleware); promises_helpers_test.go adds the promise tests' helpers.
type env struct{ *adaptertest.Env }

var testKeys = [][]byte{[]byte(strings.Repeat("h", 64)), []byte(strings.Repeat("b", 32))}

// newEnv starts everything; mut adjusts the tracker config. Everything stops at test end.
func newEnv(t *testing.T, h http.Handler, mut func(*core.Config)) *env {
	t.Helper()
	return newEnvWith(t, h, personyzetest.Options{Seed: 1}, mut)
}

// newEnvWith is newEnv with the simulator's options.
func newEnvWith(t *testing.T, h http.Handler, simOpts personyzetest.Options, mut func(*core.Config)) *env {
	t.Helper()
	return &env{adaptertest.NewEnv(t, func(tr *core.Tracker) http.Handler { return nethttp.Middleware(tr)(h) },
		adaptertest.EnvOptions{Sim: simOpts, CloseWait: 500 * time.Millisecond, // hung calls are abandoned, not waited for
			Config: func(c *core.Config) {
				c.SessionKeys = testKeys
				if mut != nil {
					mut(c)
				}
			}})}
}
