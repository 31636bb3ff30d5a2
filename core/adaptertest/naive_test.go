package adaptertest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestNaiveBaselineIsFaithful checks that the naive page keeps its visitor: the second
// view sends the user_id and the session id the first one got, as a correct client must,
// so the baseline is not cheaper for skipping part of the job.
func TestNaiveBaselineIsFaithful(t *testing.T) {
	var sent []map[string]any
	canned := newCannedTransport()
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		var m map[string]any
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("request body: %v", err)
		}
		sent = append(sent, m)
		r.Body = io.NopCloser(bytes.NewReader(body))
		return canned.RoundTrip(r)
	})
	h := naivePage(t, rt)
	r := returningVisitor(t, h, "/products/p1", true)
	h.ServeHTTP(httptest.NewRecorder(), r)
	if len(sent) != 2 {
		t.Fatalf("%d calls, want 2", len(sent))
	}
	if _, ok := sent[0]["session_id"]; ok {
		t.Errorf("first call sent a session id: %v", sent[0])
	}
	if sent[1]["session_id"] != "1700000000 abcdef" || sent[1]["user_id"] != sent[0]["user_id"] {
		t.Errorf("second call lost the visitor: first %v, second %v", sent[0], sent[1])
	}
	if sent[1]["os"] == "/" || sent[1]["languages"] != "en" {
		t.Errorf("visitor facts: %v", sent[1])
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
