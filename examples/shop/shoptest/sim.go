package shoptest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core/personyzetest"
)

// call is one tracker call as the simulator recorded it, reduced to what the
// suites check.
type call struct {
	SessionID       string // sent; "" when null
	TimeZone        *float64
	Screen          string
	Commands        [][]any
	ReturnedSession string
}

// calls returns every tracker call the simulator has recorded, oldest first.
func calls(sim *personyzetest.Server) []call {
	var out []call
	for _, r := range sim.Requests() {
		out = append(out, fromRecorded(r))
	}
	return out
}

// commandKey renders a command for comparison: numbers decoded from JSON
// (float64) and written by Go (int64) print alike.
func commandKey(cmd []any) string {
	parts := make([]string, len(cmd))
	for i, v := range cmd {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, "|")
}

// hasCommand reports whether any call carried exactly the command want.
func hasCommand(cs []call, want ...any) bool {
	key := commandKey(want)
	for _, c := range cs {
		if slices.ContainsFunc(c.Commands, func(cmd []any) bool { return commandKey(cmd) == key }) {
			return true
		}
	}
	return false
}

// allCommands lists every command of cs, for failure messages.
func allCommands(cs []call) []string {
	var out []string
	for _, c := range cs {
		for _, cmd := range c.Commands {
			out = append(out, commandKey(cmd))
		}
	}
	return out
}

// waitForCommand waits (bounded) until the simulator has received the
// command. Events of a POST travel in the request's own call, but that call
// may finish after the latency budget, so they can arrive a little later.
func waitForCommand(t testing.TB, sim *personyzetest.Server, want ...any) {
	t.Helper()
	waitFor(t, sim, fmt.Sprintf("%v", want), func(cs []call) bool { return hasCommand(cs, want...) })
}

// waitFor polls the simulator's record until ok holds or 5 seconds pass.
func waitFor(t testing.TB, sim *personyzetest.Server, what string, ok func([]call) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		cs := calls(sim)
		if ok(cs) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("simulator never received %s; it got %v", what, allCommands(cs))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hasNavigate reports whether any call carried a Navigate command.
func hasNavigate(cs []call) bool {
	for _, c := range cs {
		for _, cmd := range c.Commands {
			if len(cmd) > 0 && cmd[0] == "Navigate" {
				return true
			}
		}
	}
	return false
}

// checkSessionChain checks that after the first call every call sent the
// session id the previous call returned, and that one was not empty.
func checkSessionChain(t testing.TB, cs []call) {
	t.Helper()
	if len(cs) < 2 {
		t.Fatalf("need at least two calls to check the session, got %d", len(cs))
	}
	for i := 1; i < len(cs); i++ {
		want := cs[i-1].ReturnedSession
		if want == "" || cs[i].SessionID != want {
			t.Fatalf("call %d sent session_id %q, want %q returned by call %d", i, cs[i].SessionID, want, i-1)
		}
	}
}
