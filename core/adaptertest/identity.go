package adaptertest

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// identityChanges: a Personyze session belongs to one user_id. Signing in (Config.UserKey,
// or the auth middleware of /account calling Visit.SetUserKey), signing out and signing in
// as another user each start a new session: that call sends no session id and asks for a
// new session, and pages of one identity carry its session on. No call ever sends a
// session id the simulator issued to another user_id.
func identityChanges(t *testing.T, a Adapter) {
	e := shopWith(t, a, personyzetest.Options{Seed: 1}, func(c *core.Config) {
		c.UserKey = func(r *http.Request) string {
			if ck, err := r.Cookie("user"); err == nil {
				return ck.Value
			}
			return ""
		}
	})
	c := e.Browser()
	u, err := url.Parse(e.App.URL)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		user, path string // user: the signed-in user ("" anonymous)
		newSession bool
	}{
		{"", "/", true}, // first visit
		{"", "/products/p1", false},
		{"bob", "/", true}, // signs in
		{"bob", "/products/p2", false},
		{"", "/", true}, // signs out
		{"", "/products/p1", false},
		{"carol", "/", true}, // signs in
		{"dave", "/", true},  // another user, without signing out
		{"dave", "/products/p3", false},
		{"", "/account", true}, // the auth middleware signs alice in
		{"", "/account", false},
		{"", "/", true}, // signed out again
	}
	ids := map[string]uint32{}
	var prev personyzetest.Request
	for i, s := range steps {
		ck := &http.Cookie{Name: "user", Value: s.user, Path: "/"}
		if s.user == "" {
			ck.MaxAge = -1
		}
		c.Jar.SetCookies(u, []*http.Cookie{ck})
		e.Get(c, s.path)
		call := lastPageCall(t, e)
		who := s.user
		if s.path == "/account" {
			who = AuthUser
		}
		if id, ok := ids[who]; ok && id != call.UserID {
			t.Errorf("step %d (%q %s): user_id %d, earlier %d", i, who, s.path, call.UserID, id)
		}
		ids[who] = call.UserID
		switch {
		case s.newSession && (call.SessionID != nil || !call.NewSession):
			t.Errorf("step %d (%q %s): session_id %v new_session %v, want null and true: a new identity, a new session",
				i, who, s.path, deref(call.SessionID), call.NewSession)
		case !s.newSession && (call.SessionID == nil || *call.SessionID != prev.ResponseSessionID || call.NewSession):
			t.Errorf("step %d (%q %s): session_id %v new_session %v, want %q carried on",
				i, who, s.path, deref(call.SessionID), call.NewSession, prev.ResponseSessionID)
		}
		prev = call
	}
	if len(ids) != 5 {
		t.Errorf("%d user ids for 5 identities: %v", len(ids), ids)
	}
	e.CloseTracker()
	issued := map[string]uint32{}
	for _, r := range e.Sim.Requests() {
		if r.ResponseSessionID != "" {
			issued[r.ResponseSessionID] = r.UserID
		}
	}
	for i, r := range e.Sim.Requests() {
		if r.SessionID == nil {
			continue
		}
		if owner, ok := issued[*r.SessionID]; !ok || owner != r.UserID {
			t.Errorf("call %d of user_id %d sent session %q, which the simulator issued to user_id %d (known %v)",
				i, r.UserID, *r.SessionID, owner, ok)
		}
	}
}

// lastPageCall returns the last call with a Navigate: the page's, not the statuses of an
// earlier identity's page that may be sent beside it.
func lastPageCall(t *testing.T, e *Env) personyzetest.Request {
	t.Helper()
	reqs := e.Sim.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if slices.ContainsFunc(reqs[i].Commands, func(c personyzetest.Command) bool { return c.Document() != "" }) {
			return reqs[i]
		}
	}
	t.Fatal("no page call recorded")
	return personyzetest.Request{}
}

// deref shows a recorded session_id: "null" when it was null.
func deref(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}
