package adaptertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/sessions"
	"github.com/mssola/useragent"
)

// naiveTracker does this library's job the straightforward way, per request, as the
// protocol's own example client does: a gorilla cookie session holds user_id and
// session_id, the User-Agent is parsed with mssola/useragent on every request, the
// request is built as a map and json.Marshal'ed, sent through an http.Client, and the
// answer and its recommendation items are json.Unmarshal'ed into maps. It is the "Naive"
// baseline of Benchmark: the library must cost clearly less than this.
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

// naivePage is Benchmark's product page done the naive way against the canned upstream.
func naivePage(tb testing.TB, rt http.RoundTripper) http.Handler {
	n := &naiveTracker{
		store:  sessions.NewCookieStore(sessionKeys()...),
		client: &http.Client{Transport: rt},
		url:    "http://127.0.0.1:1/rest/tracker-v1",
		key:    strings.Repeat("A", 40),
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		items, err := n.serve(w, r, [][]any{{"Product Viewed", "p1"}})
		if err != nil {
			tb.Fatal(err)
		}
		total := 0
		for _, it := range items {
			title, _ := it["title"].(string)
			total += len(title)
		}
		if total == 0 || len(items) != 10 {
			tb.Fatalf("%d items, %d bytes of titles", len(items), total)
		}
		_, _ = io.WriteString(w, "ok")
	})
}
