package nethttp_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/sessions"
	"github.com/mssola/useragent"

	"github.com/gopersonyze/personyze/core/adaptertest"
)

// naiveTracker does this library's job the straightforward way, per request, as the
// protocol's own example client does: a gorilla cookie session holds user_id and
// session_id, the User-Agent is parsed with mssola/useragent on every request, the
// request is built as a map and json.Marshal'ed, sent through an http.Client, and the
// answer and its recommendation items are json.Unmarshal'ed into maps. It is the second
// baseline of BenchmarkPageView: the library must cost clearly less than this.
type naiveTracker struct {
	store  *sessions.CookieStore
	client *http.Client
	url    string
	key    string
}

// serve makes the page's call with commands and returns the recommendation items of
// every JSON-format action, as maps.
func (n *naiveTracker) serve(w http.ResponseWriter, r *http.Request, commands [][]any) ([]map[string]any, error) {
	s, _ := n.store.Get(r, "personyze")
	uid, ok := s.Values["user_id"].(uint32)
	if !ok {
		uid = rand.Uint32()
	}
	ua := useragent.New(r.UserAgent())
	name, version := ua.Browser()
	osInfo := ua.OSInfo()
	device := "regular"
	if ua.Mobile() {
		device = "phone"
	}
	var langs []string
	for part := range strings.SplitSeq(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if len(tag) >= 2 && len(langs) < 3 && !slices.Contains(langs, strings.ToLower(tag[:2])) {
			langs = append(langs, strings.ToLower(tag[:2]))
		}
	}
	req := map[string]any{
		"user_id":     uid,
		"languages":   strings.Join(langs, ", "),
		"os":          osInfo.Name + "/" + osInfo.Version,
		"platform":    ua.Platform() + " " + name + "/" + version,
		"device_type": device,
		"commands": append(commands,
			[]any{"Navigate", "urn:personyze:doc:" + url.PathEscape(r.URL.Path)}),
	}
	if sid, ok := s.Values["session_id"].(string); ok {
		req["session_id"] = sid
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(r.Context(), http.MethodPost, n.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hr.SetBasicAuth("api", n.key)
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("User-Agent", r.UserAgent())
	resp, err := n.client.Do(hr)
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("tracker: status %d", resp.StatusCode)
	}
	var answer map[string]any
	if err := json.Unmarshal(raw, &answer); err != nil {
		return nil, err
	}
	var items []map[string]any
	actions, _ := answer["actions"].([]any)
	for _, a := range actions {
		action, _ := a.(map[string]any)
		data, _ := action["data"].(map[string]any)
		list, ok := data["data"].(string)
		if !ok {
			continue
		}
		var got []map[string]any
		if json.Unmarshal([]byte("["+list+"]"), &got) == nil {
			items = append(items, got...)
		}
	}
	s.Values["user_id"] = uid
	if sid, ok := answer["session_id"].(string); ok {
		s.Values["session_id"] = sid
	}
	return items, s.Save(r, w)
}

// BenchmarkNaiveBaseline is BenchmarkPageView's page done the naive way (naiveTracker),
// against the same in-memory upstream: only the CPU of the two ways is compared.
func BenchmarkNaiveBaseline(b *testing.B) {
	n := &naiveTracker{
		store:  sessions.NewCookieStore(testKeys...),
		client: &http.Client{Transport: adaptertest.CannedTransport()},
		url:    "http://127.0.0.1:1/rest/tracker-v1",
		key:    strings.Repeat("A", 40),
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		items, err := n.serve(w, r, [][]any{{"Product Viewed", "p1"}})
		if err != nil {
			b.Fatal(err)
		}
		total := 0
		for _, it := range items {
			title, _ := it["title"].(string)
			total += len(title)
		}
		if total == 0 || len(items) != 10 {
			b.Fatalf("%d items, %d bytes of titles", len(items), total)
		}
		_, _ = io.WriteString(w, "ok")
	})
	adaptertest.BenchServe(b, h, "/products/p1", true)
}

// TestNaiveBaselineIsFaithful checks that the naive page keeps its visitor: the second
// view sends the user_id and the session id the first one got, as a correct client must,
// so the baseline is not cheaper for skipping part of the job.
func TestNaiveBaselineIsFaithful(t *testing.T) {
	var sent []map[string]any
	canned := adaptertest.CannedTransport()
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
	n := &naiveTracker{store: sessions.NewCookieStore(testKeys...), client: &http.Client{Transport: rt},
		url: "http://127.0.0.1:1/rest/tracker-v1", key: strings.Repeat("A", 40)}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if items, err := n.serve(w, r, [][]any{{"Product Viewed", "p1"}}); err != nil || len(items) != 10 {
			t.Fatalf("items %d, err %v", len(items), err)
		}
	})
	r := adaptertest.ReturningVisitor(t, h, "/products/p1", true)
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
