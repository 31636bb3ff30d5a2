package personyzetest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// t0 is the fake clock's start in tests.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testResponse mirrors the answer body.
type testResponse struct {
	SessionID    *string `json:"session_id"`
	CacheVersion int64   `json:"cache_version"`
	Conditions   []struct {
		ID int64 `json:"id"`
	} `json:"conditions"`
	Actions []struct {
		ID   int64             `json:"id"`
		Data map[string]string `json:"data"`
	} `json:"actions"`
	DismissConditions []int64 `json:"dismiss_conditions"`
	DismissActions    []int64 `json:"dismiss_actions"`
}

// items returns the parsed items of action id, nil when absent.
func (r testResponse) items(t *testing.T, id int64) []map[string]string {
	t.Helper()
	for _, a := range r.Actions {
		if a.ID == id {
			var out []map[string]string
			if err := json.Unmarshal([]byte("["+a.Data["data"]+"]"), &out); err != nil {
				t.Fatalf("action %d data is not JSON items: %v", id, err)
			}
			return out
		}
	}
	return nil
}

func ids(items []map[string]string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it["internal_id"]
	}
	return out
}

// newTestServer starts a server on a fake clock and a client that is cleaned up.
func newTestServer(t *testing.T, opts Options) (*Server, *FakeClock, *http.Client) {
	t.Helper()
	clock := NewFakeClock(t0)
	if opts.Clock == nil {
		opts.Clock = clock
	}
	srv := NewServer(opts)
	client := &http.Client{Timeout: 5 * time.Second}
	t.Cleanup(func() {
		client.CloseIdleConnections()
		srv.Close()
	})
	return srv, clock, client
}

// post sends body (a string, []byte or a value to marshal) with the server's key.
func post(t *testing.T, srv *Server, c *http.Client, body any) (int, string) {
	t.Helper()
	return postAs(t, srv, c, body, "api", srv.APIKey())
}

func postAs(t *testing.T, srv *Server, c *http.Client, body any, user, key string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL()+"tracker-v1", bytes.NewReader(bodyBytes(t, body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if user != "" || key != "" {
		req.SetBasicAuth(user, key)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading answer: %v", err)
	}
	return resp.StatusCode, string(b)
}

func bodyBytes(t *testing.T, body any) []byte {
	t.Helper()
	switch b := body.(type) {
	case string:
		return []byte(b)
	case []byte:
		return b
	}
	out, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// call posts a valid request and decodes the 200 answer.
func call(t *testing.T, srv *Server, c *http.Client, body any) testResponse {
	t.Helper()
	status, text := post(t, srv, c, body)
	if status != http.StatusOK {
		t.Fatalf("status %d, body %q", status, text)
	}
	var r testResponse
	if err := json.Unmarshal([]byte(text), &r); err != nil {
		t.Fatalf("answer is not JSON: %v: %q", err, text)
	}
	return r
}

// visit builds a request body for user with the given session and commands.
func visit(user uint32, session *string, cmds ...[]any) map[string]any {
	if cmds == nil {
		cmds = [][]any{}
	}
	return map[string]any{"user_id": user, "session_id": session, "commands": cmds}
}

func nav(doc string) []any      { return []any{"Navigate", NavigatePrefix + doc} }
func viewed(id string) []any    { return []any{"Product Viewed", id} }
func purchased(id string) []any { return []any{"Product Purchased", id} }
func strp(s string) *string     { return &s }

func mustContain(t *testing.T, text, want string) {
	t.Helper()
	if !strings.Contains(text, want) {
		t.Errorf("%q does not contain %q", text, want)
	}
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
