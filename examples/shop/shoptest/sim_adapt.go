package shoptest

import "github.com/gopersonyze/personyze/core/personyzetest"

// fromRecorded maps the simulator's record of one call onto call.
func fromRecorded(r personyzetest.Request) call {
	c := call{TimeZone: r.TimeZone, Screen: r.Screen, ReturnedSession: r.ResponseSessionID}
	if r.SessionID != nil {
		c.SessionID = *r.SessionID
	}
	for _, cmd := range r.Commands {
		c.Commands = append(c.Commands, append([]any{cmd.Name}, cmd.Args...))
	}
	return c
}
