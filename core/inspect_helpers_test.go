package core

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core/internal/inspect"
)

// inspectWait bounds every wait for an inspector event: generous for a loaded machine.
const inspectWait = 20 * time.Second

// listing is the inspector's JSON document.
type listing struct {
	Size     int             `json:"size"`
	Last     uint64          `json:"last"`
	Breaker  string          `json:"breaker"`
	Requests []inspect.Entry `json:"requests"`
}

// inspectorOf serves tr's inspector (outside the middleware, as recommended) and returns
// its base URL.
func inspectorOf(t *testing.T, tr *Tracker, opts InspectorOptions) string {
	t.Helper()
	srv := httptest.NewServer(tr.Inspector(opts))
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// getListing reads the inspector's JSON with the query q.
func getListing(t *testing.T, base, q string) listing {
	t.Helper()
	resp, err := http.Get(base + "requests" + q)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET requests%s = %d %s", q, resp.StatusCode, b)
	}
	var l listing
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil {
		t.Fatal(err)
	}
	return l
}

// eventStream is an open connection to the inspector's events.
type eventStream struct {
	events chan inspect.Entry
	raw    chan string // every line received
	cancel context.CancelFunc
}

// openEvents connects to the events endpoint with query q and returns once the stream's
// header arrived; a goroutine passes each request event on until the test ends.
func openEvents(t *testing.T, base, q string) *eventStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"events"+q, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("GET events%s = %d %q", q, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &eventStream{events: make(chan inspect.Entry, 64), raw: make(chan string, 1024), cancel: cancel}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			select {
			case s.raw <- line:
			default:
			}
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				var e inspect.Entry
				if err := json.Unmarshal([]byte(data), &e); err != nil {
					t.Errorf("event data %q: %v", data, err)
					return
				}
				s.events <- e
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return s
}

// next waits for the stream's next request event.
func (s *eventStream) next(t *testing.T) inspect.Entry {
	t.Helper()
	select {
	case e := <-s.events:
		return e
	case <-time.After(inspectWait):
		t.Fatalf("no inspector event within %v", inspectWait)
		return inspect.Entry{}
	}
}

// names lists the command names of cmds.
func names(cmds []inspect.Command) []string {
	var out []string
	for _, c := range cmds {
		out = append(out, c.Name)
	}
	return out
}

// commandNamed returns the first command of cmds with the name, or nil.
func commandNamed(cmds []inspect.Command, name string) *inspect.Command {
	for i := range cmds {
		if cmds[i].Name == name {
			return &cmds[i]
		}
	}
	return nil
}

// readAll returns the body of a GET of url.
func readAll(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
