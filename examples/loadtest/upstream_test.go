package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestUpstreamCountsReplacedSessions follows one visitor through the tap: a call with
// the visitor's current session id is fine, one without any starts a new session, and a
// call that then still carries the first session id is a replaced one.
func TestUpstreamCountsReplacedSessions(t *testing.T) {
	up, err := newUpstream(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer up.close()
	call := func(sid *string, navigate bool) string {
		t.Helper()
		cmds := `[["Product Viewed","p1"]]`
		if navigate {
			cmds = `[["Product Viewed","p1"],["Navigate","urn:personyze:doc:x"]]`
		}
		body := `{"user_id":7,"commands":` + cmds
		if sid != nil {
			b, _ := json.Marshal(*sid)
			body += `,"session_id":` + string(b)
		}
		r := httptest.NewRequest(http.MethodPost, "/rest/tracker-v1", strings.NewReader(body+"}"))
		r.SetBasicAuth("api", up.sim.APIKey())
		r.Header.Set("Accept-Encoding", "gzip")
		w := httptest.NewRecorder()
		up.serve(w, r)
		var answer struct {
			SessionID string `json:"session_id"`
		}
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &answer) != nil {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		return answer.SessionID
	}
	first := call(nil, true)
	if again := call(&first, false); again != first {
		t.Fatalf("the session changed: %q then %q", first, again)
	}
	if c := up.counts(); c.replaced != 0 || c.navigates != 1 || c.calls != 2 {
		t.Fatalf("after two calls in one session: %+v", c)
	}
	second := call(nil, true) // a new session for the same visitor
	if second == first {
		t.Fatalf("no new session")
	}
	call(&first, true) // late: carries the session the previous call replaced
	if c := up.counts(); c.replaced != 1 || c.navigates != 3 {
		t.Fatalf("after a late call: %+v", c)
	}
	unknown := "1700000000 0000000000000000"
	call(&unknown, false) // never issued: not counted as replaced
	if c := up.counts(); c.replaced != 1 {
		t.Fatalf("an unknown session id counted as replaced: %+v", c)
	}
}
