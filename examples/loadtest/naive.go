package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gorilla/sessions"
	"github.com/mssola/useragent"

	"github.com/gopersonyze/personyze/examples/shop"
)

// naiveName is the second baseline: the light page doing the library's job the
// straightforward way in the same server process (see naiveTracker).
const naiveName = "naive"

// naiveTracker makes the light page's tracker call the way an application without this
// library would, per request, as the protocol's own example client does (it mirrors the
// "Naive" baseline of adaptertest.Benchmark, over a real connection here): a gorilla
// cookie session holds user_id and session_id, the User-Agent is parsed with
// mssola/useragent, the request is built as a map and json.Marshal'ed, sent with
// http.DefaultClient, and the answer and its items are json.Unmarshal'ed into maps.
type naiveTracker struct {
	store *sessions.CookieStore
	url   string
	key   string
}

func newNaiveTracker(env shop.Env) (*naiveTracker, error) {
	hash, enc, _ := strings.Cut(env.SessionKeys, ",")
	hk, err := hex.DecodeString(hash)
	if err != nil {
		return nil, fmt.Errorf("naive: session keys: %w", err)
	}
	ek, err := hex.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("naive: session keys: %w", err)
	}
	return &naiveTracker{store: sessions.NewCookieStore(hk, ek), url: env.APIURL + "tracker-v1", key: env.APIKey}, nil
}

// handler serves the light page: a product view tracked, ten recommendations printed.
func (n *naiveTracker) handler() http.Handler {
	mux := http.NewServeMux()
	for _, p := range pages {
		mux.HandleFunc("GET "+p.pattern+suffix(p.pattern), func(w http.ResponseWriter, r *http.Request) {
			var commands [][]any
			if id := r.PathValue("id"); id != "" {
				commands = append(commands, []any{"Product Viewed", id})
			}
			items, err := n.call(w, r, commands)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			var shown []plainItem
			for _, it := range items[:min(len(items), 10)] {
				shown = append(shown, plainItem{URL: text(it["url"]), Title: text(it["title"]), Price: text(it["price"])})
			}
			writeLight(w, r.PathValue("id"), shown)
		})
	}
	return mux
}

// call makes the page's call with commands, saves the session and returns the items of
// every JSON action, as maps.
func (n *naiveTracker) call(w http.ResponseWriter, r *http.Request, commands [][]any) ([]map[string]any, error) {
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
		"commands":    append(commands, []any{"Navigate", "urn:personyze:doc:" + url.PathEscape(r.URL.Path)}),
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
	resp, err := http.DefaultClient.Do(hr)
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

// text is a JSON scalar as the page prints it.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}
