package nethttp_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/nethttp"
)

// The behaviour every adapter shares is in the conformance suite (conformance_test.go);
// these tests cover what only this package or only configuration decides.

// productPage tracks a product view, so a call shows the Visit was active.
func productPage() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /products/{id}", func(w http.ResponseWriter, r *http.Request) {
		_ = core.FromContext(r.Context()).Track(core.ProductViewed(r.PathValue("id")))
		_, _ = io.WriteString(w, "product")
	})
	return mux
}

func TestConsentAndGPC(t *testing.T) {
	e := newEnv(t, productPage(), func(c *core.Config) {
		c.Consent = func(r *http.Request) bool { return r.Header.Get("X-Consent") == "yes" }
		c.HonorGPC = true
	})
	c := e.Browser()
	tests := []struct {
		name     string
		hdr      []string
		wantCall bool
	}{
		{"no consent", nil, false},
		{"consent but Sec-GPC", []string{"X-Consent", "yes", "Sec-GPC", "1"}, false},
		{"consent", []string{"X-Consent", "yes"}, true},
	}
	for _, tt := range tests {
		e.Sim.Reset()
		resp, body := e.Get(c, "/products/p1", tt.hdr...)
		if resp.StatusCode != 200 || body != "product" {
			t.Errorf("%s: status %d body %q", tt.name, resp.StatusCode, body)
		}
		calls := len(e.Sim.Requests())
		if got := calls == 1; got != tt.wantCall {
			t.Errorf("%s: %d calls, want call=%v", tt.name, calls, tt.wantCall)
		}
		if got := len(resp.Cookies()) > 0; got != tt.wantCall {
			t.Errorf("%s: cookie set = %v, want %v", tt.name, got, tt.wantCall)
		}
		if tt.wantCall && !slices.Equal(adaptertest.Names(e.LastCall()), []string{"Product Viewed", "Navigate"}) {
			t.Errorf("%s: sent %v", tt.name, adaptertest.Names(e.LastCall()))
		}
	}
}

func TestUserKeyKeepsOneUserAcrossDevices(t *testing.T) {
	e := newEnv(t, productPage(), func(c *core.Config) {
		c.UserKey = func(r *http.Request) string { return r.Header.Get("X-User") }
	})
	phone, laptop, anon := e.Browser(), e.Browser(), e.Browser()
	e.Get(phone, "/products/p1", "X-User", "alice")
	e.Get(laptop, "/products/p2", "X-User", "alice")
	e.Get(anon, "/products/p3")
	reqs := e.Sim.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d calls", len(reqs))
	}
	if reqs[0].UserID != reqs[1].UserID {
		t.Errorf("alice has user ids %d and %d on two devices", reqs[0].UserID, reqs[1].UserID)
	}
	if reqs[2].UserID == reqs[0].UserID {
		t.Error("anonymous visitor shares alice's user id")
	}
}

func TestSessionKeyRotationKeepsVisitors(t *testing.T) {
	old := newEnv(t, productPage(), nil) // signed with testKeys
	c := old.Browser()
	old.Get(c, "/products/p1")
	first := old.LastCall()

	newPair := [][]byte{[]byte(strings.Repeat("n", 64)), []byte(strings.Repeat("k", 32))}
	rotated, err := core.New(core.Config{APIKey: old.Sim.APIKey(), BaseURL: old.Sim.URL(), Timeout: 5 * time.Second,
		SessionKeys: append(newPair, testKeys...)}) // newest pair first, the old one still accepted
	if err != nil {
		t.Fatal(err)
	}
	defer rotated.Close(context.Background())
	app := httptest.NewServer(nethttp.Middleware(rotated)(productPage()))
	defer app.Close()
	old.App = app // same visitor (cookie jar), new keys

	resp, _ := old.Get(c, "/products/p2")
	second := old.LastCall()
	if second.UserID != first.UserID || second.SessionID == nil || *second.SessionID != first.ResponseSessionID {
		t.Fatalf("after rotation: user %d session %v, want user %d session %q",
			second.UserID, second.SessionID, first.UserID, first.ResponseSessionID)
	}

	// Once the old pair is retired, its cookies give a fresh visitor (and still a 200).
	retired, err := core.New(core.Config{APIKey: old.Sim.APIKey(), BaseURL: old.Sim.URL(), Timeout: 5 * time.Second,
		SessionKeys: newPair})
	if err != nil {
		t.Fatal(err)
	}
	defer retired.Close(context.Background())
	app2 := httptest.NewServer(nethttp.Middleware(retired)(productPage()))
	defer app2.Close()
	old.App = app2
	resp, _ = old.Get(c, "/products/p3") // c's cookie is still signed with the old pair
	if got := old.LastCall(); resp.StatusCode != 200 || got.SessionID != nil || got.UserID == first.UserID {
		t.Errorf("retired key: status %d session %v user %d, want a fresh visitor", resp.StatusCode, got.SessionID, got.UserID)
	}
}
