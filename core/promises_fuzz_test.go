package core

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// FuzzParseAttribution: the attribution parameter comes from any link anyone can craft.
// Accepted values are exactly the canonical decimal spellings of 1..2^31-1, and the raw
// query reader returns either 0 or the value of the first parameter named param.
func FuzzAttribution(f *testing.F) {
	for _, s := range []string{"", "pz=42", "pz=0042", "a=1&pz=7&pz=8", "pz=2147483647", "pz=2147483648",
		"pz=-1", "pz=+5", "pz=1e3", "pz", "pz=&pz=3", "%70z=3", "pz=3%00", "pz=99999999999999999999", ";pz=1"} {
		f.Add(s, "pz")
	}
	f.Add("x=5", "x")
	f.Fuzz(func(t *testing.T, raw, param string) {
		v := raw
		if n, ok := parseAttribution(v); ok {
			if n <= 0 || n > maxActionID || strconv.FormatInt(n, 10) != v {
				t.Fatalf("parseAttribution(%q) = %d", v, n)
			}
		} else if n != 0 {
			t.Fatalf("parseAttribution(%q) = %d, false", v, n)
		}
		if param == "" {
			return // the config default is never empty
		}
		got := attributionOf(raw, param)
		if got == 0 {
			return
		}
		// It must be the first param= pair's value, parsed.
		for kv := range strings.SplitSeq(raw, "&") {
			k, val, _ := strings.Cut(kv, "=")
			if k != param {
				continue
			}
			if n, ok := parseAttribution(val); !ok || n != got {
				t.Fatalf("attributionOf(%q, %q) = %d, first value %q", raw, param, got, val)
			}
			return
		}
		t.Fatalf("attributionOf(%q, %q) = %d without such a parameter", raw, param, got)
	})
}

const fuzzUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"

// fuzzTracker returns a tracker that never reaches the network in these tests (event
// requests with nothing tracked make no call).
func fuzzTracker(tb testing.TB, keys [][]byte) *Tracker {
	tb.Helper()
	tr, err := New(Config{APIKey: strings.Repeat("k", 40), BaseURL: "http://127.0.0.1:1/rest/",
		SessionKeys: keys, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

// realCookie makes tr issue a cookie for a visitor with session id sid; it returns the
// cookie value and the visitor's user_id.
func realCookie(tb testing.TB, tr *Tracker, sid string) (string, uint32) {
	tb.Helper()
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set("User-Agent", fuzzUA)
	r.Header.Set("Accept", "text/html") // a browser navigating to a page
	ex := tr.Begin(w, r)
	v := ex.Visit()
	v.flush() // nothing tracked: no call
	v.mu.Lock()
	// Fixed identity: fuzz workers are separate processes that redo this setup, and the
	// seeds made in one must mean the same visitor in all.
	v.state.VisitorKey = "fuzz-owner"
	v.facts.UserID = userID(v.state.VisitorKey)
	v.state.SessionID = sid
	v.dirty = true
	v.ctl.sent = true // as if a call had carried something: the cookie is written
	v.mu.Unlock()
	ex.End()
	for _, c := range w.Result().Cookies() {
		if c.Name == defaultSessionName {
			return c.Value, v.UserID()
		}
	}
	tb.Fatal("no cookie issued")
	return "", 0
}

// FuzzSessionCookie: a cookie value is outside input. Fed through Begin and End it must
// never panic and never yield another visitor's session: the only identity a cookie can
// carry is the one of the visitor it was issued to, by a tracker with these keys.
func FuzzSessionCookie(f *testing.F) {
	keys := [][]byte{bytes.Repeat([]byte("h"), 64), bytes.Repeat([]byte("b"), 32)}
	tr := fuzzTracker(f, keys)
	const ownerSID = "1700000000 0123456789abcdef"
	real, ownerUID := realCookie(f, tr, ownerSID)
	foreign, _ := realCookie(f, fuzzTracker(f, [][]byte{bytes.Repeat([]byte("H"), 64), bytes.Repeat([]byte("B"), 32)}), ownerSID)
	// The property below must be able to fail: the real cookie does restore the owner.
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set("User-Agent", fuzzUA)
	r.Header.Set("Accept", "text/html") // a browser navigating to a page
	r.Header.Set("Cookie", defaultSessionName+"="+real)
	if v := tr.Begin(httptest.NewRecorder(), r).Visit(); v.SessionID() != ownerSID || v.UserID() != ownerUID {
		f.Fatalf("real cookie not restored: %q %d", v.SessionID(), v.UserID())
	}
	for _, s := range []string{real, foreign, real[:len(real)/2], real + "A", strings.ToUpper(real), "", "garbage", "MTcwMDAwMDAwMHxhYmN8ZGVm", strings.Repeat("A", 5000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, val string) {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.Header.Set("User-Agent", fuzzUA)
		r.Header.Set("Accept", "text/html") // a browser navigating to a page
		r.Header.Set("Cookie", defaultSessionName+"="+val)
		w := httptest.NewRecorder()
		ex := tr.Begin(w, r)
		v, r2 := ex.Visit(), ex.Request()
		if FromContext(r2.Context()) != v {
			t.Fatal("Visit not in the request context")
		}
		switch sid := v.SessionID(); {
		case sid == ownerSID:
			if v.UserID() != ownerUID {
				t.Fatalf("owner's session with user_id %d, want %d", v.UserID(), ownerUID)
			}
		case sid != "":
			t.Fatalf("cookie %q yielded session %q nobody was issued", val, sid)
		case v.UserID() == ownerUID:
			t.Fatalf("cookie %q yielded the owner's user_id without the owner's session", val)
		}
		ex.End()
		if len(w.Result().Cookies()) > 1 {
			t.Fatal("more than one cookie written")
		}
	})
}
