package nethttp_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/adaptertest"
	"github.com/gopersonyze/personyze/core/personyzetest"
	"github.com/gopersonyze/personyze/nethttp"
)

// sessionName is the default name of the library's session cookie (Config.SessionName).
const sessionName = "personyze"

// sessionCookie returns the personyze cookie of a response, or nil.
func sessionCookie(cs []*http.Cookie) *http.Cookie {
	for _, c := range cs {
		if c.Name == sessionName {
			return c
		}
	}
	return nil
}

// TestPromiseBadCookiesGiveFreshVisitor: whatever comes in the cookie, the visitor gets a
// 200 and a fresh identity, never the identity the cookie was made from, and never an
// identity from a tracker with other keys.
func TestPromiseBadCookiesGiveFreshVisitor(t *testing.T) {
	e := newPromEnv(t, personyzetest.Options{}, nil)
	owner := e.visit(e.Browser(), "GET", "/")
	real := sessionCookie(owner.cookies)
	if real == nil || owner.sid == "" {
		t.Fatalf("no real cookie: %s", owner.body)
	}
	// A cookie made by another deployment (other SessionKeys), for the same cookie name.
	otherKeys := [][]byte{bytes.Repeat([]byte("H"), 64), bytes.Repeat([]byte("B"), 32)}
	other := newEnvWith(t, promApp(), personyzetest.Options{Seed: 2}, func(c *core.Config) { c.SessionKeys = otherKeys })
	foreign := sessionCookie(other.visit(other.Browser(), "GET", "/").cookies)
	if foreign == nil {
		t.Fatal("no foreign cookie")
	}
	v := real.Value
	flip := []byte(v)
	flip[len(flip)/2] ^= 1
	cases := map[string]string{
		"tampered":           string(flip),
		"truncated":          v[:len(v)/2],
		"oversized":          v + strings.Repeat("A", 8000),
		"other keys":         foreign.Value,
		"empty":              "",
		"garbage":            "%%%not-base64%%%",
		"signature stripped": stripMAC(t, v),
	}
	for name, val := range cases {
		t.Run(name, func(t *testing.T) {
			p := e.visit(&http.Client{Timeout: 5 * time.Second}, "GET", "/", "Cookie", sessionName+"="+val)
			if p.status != 200 || p.outcome != "ok" {
				t.Fatalf("status %d: %s", p.status, p.body)
			}
			if p.uid == owner.uid || p.sid == owner.sid {
				t.Errorf("bad cookie gave the owner's identity: uid %d sid %q", p.uid, p.sid)
			}
			if sent := e.LastCall(); sent.SessionID != nil || sent.UserID == owner.uid {
				t.Errorf("call carried session %v user %d", sent.SessionID, sent.UserID)
			}
			if sessionCookie(p.cookies) == nil {
				t.Error("fresh visitor got no new cookie")
			}
		})
	}
	// The real cookie still works: the tests above did not pass by rejecting everything.
	p := e.visit(&http.Client{Timeout: 5 * time.Second}, "GET", "/", "Cookie", sessionName+"="+v)
	if p.uid != owner.uid {
		t.Errorf("real cookie: uid %d, want %d", p.uid, owner.uid)
	}
	if n := len(logLines(e.Log, "unreadable session cookie")); n != 1 {
		t.Errorf("%d unreadable-cookie lines for %d bad cookies, want 1 (rate-limited)", n, len(cases))
	}
}

// stripMAC re-encodes a securecookie value without its MAC ("date|value|mac" → "date|value").
func stripMAC(t *testing.T, v string) string {
	raw, err := base64.URLEncoding.DecodeString(v)
	if err != nil {
		t.Fatalf("cookie not base64: %v", err)
	}
	parts := bytes.SplitN(raw, []byte("|"), 3) // the raw MAC may hold "|"
	if len(parts) != 3 {
		t.Fatalf("cookie has %d parts", len(parts))
	}
	return base64.URLEncoding.EncodeToString(bytes.Join(parts[:2], []byte("|")))
}

// TestPromiseCookieFlags: HttpOnly and SameSite=Lax always, Secure on TLS and behind a
// proxy that says the visitor used https.
func TestPromiseCookieFlags(t *testing.T) {
	e := newPromEnv(t, personyzetest.Options{}, nil)
	tls := httptest.NewTLSServer(nethttp.Middleware(e.Tracker)(promApp()))
	defer tls.Close()
	check := func(name string, ck *http.Cookie, secure bool) {
		t.Helper()
		if ck == nil {
			t.Fatalf("%s: no cookie", name)
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != secure || ck.Path != "/" || ck.MaxAge != (400*24*60*60) {
			t.Errorf("%s: HttpOnly %t SameSite %v Secure %t (want %t) Path %q MaxAge %d", name, ck.HttpOnly, ck.SameSite, ck.Secure, secure, ck.Path, ck.MaxAge)
		}
	}
	check("plain http", sessionCookie(e.visit(e.Browser(), "GET", "/").cookies), false)
	check("X-Forwarded-Proto", sessionCookie(e.visit(e.Browser(), "GET", "/", "X-Forwarded-Proto", "https").cookies), true)
	req, _ := http.NewRequest("GET", tls.URL+"/", nil)
	req.Header.Set("User-Agent", adaptertest.ChromeUA)
	req.Header.Set("Accept", "text/html") // a browser navigating to a page
	resp, err := tls.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	check("TLS", sessionCookie(resp.Cookies()), true)
}

// TestPromiseKeyNeverPrinted: the key shows in no fmt verb, no slog handler and no error.
func TestPromiseKeyNeverPrinted(t *testing.T) {
	e := newPromEnv(t, personyzetest.Options{}, nil)
	key := e.Sim.APIKey()
	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%T"} {
		fmt.Fprintf(&out, verb+"\n", e.Tracker)
		fmt.Fprintf(&out, verb+"\n", e.Tracker.Config())
		cfg := e.Tracker.Config()
		fmt.Fprintf(&out, verb+"\n", &cfg)
	}
	for _, h := range []slog.Handler{slog.NewTextHandler(&out, nil), slog.NewJSONHandler(&out, nil)} {
		slog.New(h).Info("x", "tracker", e.Tracker, "config", e.Tracker.Config())
	}
	bad := e.Tracker.Config()
	bad.APIKey = key[:39] + "\n"
	_, err := core.New(bad)
	fmt.Fprintln(&out, err)
	bad.APIKey, bad.BaseURL = key, "http://example.com/rest/"
	_, err = core.New(bad)
	fmt.Fprintln(&out, err)
	assertNoKey(t, key, out.String(), nil)
	if strings.Contains(out.String(), key[:8]) {
		t.Errorf("a key prefix was printed:\n%s", out.String())
	}
}

// TestPromisePlainHTTPRefused: the key never travels in clear text off the machine.
func TestPromisePlainHTTPRefused(t *testing.T) {
	for base, ok := range map[string]bool{
		"http://example.com/rest/":           false,
		"http://app.personyze.com/rest/":     false,
		"http://localhost.evil.example/":     false,
		"http://127.0.0.1.nip.io/rest/":      false,
		"http://10.0.0.1/rest/":              false,
		"http://[::ffff:10.0.0.1]/rest/":     false,
		"ftp://127.0.0.1/rest/":              false,
		"http://127.0.0.1:9/rest/":           true,
		"http://localhost:9/rest/":           true,
		"http://[::1]:9/rest/":               true,
		"https://app.personyze.com/rest/":    true,
		"http://api:secret@127.0.0.1/rest/":  false,
		"https://app.personyze.com/rest/?x=": false,
	} {
		_, err := core.New(core.Config{APIKey: personyzetest.DefaultAPIKey, BaseURL: base, SessionKeys: testKeys})
		var ce *core.ConfigError
		if ok != (err == nil) || (!ok && (!errors.As(err, &ce) || ce.Field != "BaseURL")) {
			t.Errorf("%s: err %v, want ok=%t", base, err, ok)
		}
	}
}

// TestPromiseHugeHeadersBounded: a 64 KiB User-Agent and a 1,000-entry Accept-Language are
// handled in bounded time, answered 200, and do not bloat what is sent.
func TestPromiseHugeHeadersBounded(t *testing.T) {
	e := newPromEnv(t, personyzetest.Options{}, nil)
	ua := (adaptertest.ChromeUA + " ")
	ua = strings.Repeat(ua, 64<<10/len(ua)+1)[:64<<10]
	var langs []string
	for i := range 1000 {
		langs = append(langs, fmt.Sprintf("%c%c;q=0.%d", 'a'+i%26, 'a'+i/26%26, 1+i%9))
	}
	c := e.Browser()
	for i := range 5 { // distinct huge UAs: none may be cached
		start := time.Now()
		p := e.visit(c, "GET", "/", "User-Agent", ua[:len(ua)-i], "Accept-Language", strings.Join(langs, ", "))
		if took := time.Since(start); p.status != 200 || took > time.Second {
			t.Fatalf("status %d in %v: %s", p.status, took, p.body)
		}
	}
	sent := e.LastCall()
	if len(sent.RawBody) > 2048 || strings.Count(sent.Languages, ",") > 2 {
		t.Errorf("call of %d bytes, languages %q", len(sent.RawBody), sent.Languages)
	}
}

// TestPromiseResponseLimit: a small MaxResponseBytes holds against an 8 MiB answer.
func TestPromiseResponseLimit(t *testing.T) {
	e := newPromEnv(t, personyzetest.Options{}, func(c *core.Config) {
		c.MaxResponseBytes = 4096
		c.Timeout = faultBudget
	})
	c := e.Browser()
	e.visit(c, "GET", "/static/x.css")
	if p := e.visit(c, "GET", "/"); p.outcome != "ok" {
		t.Fatalf("normal answer over 4 KiB? %s", p.body)
	}
	e.Sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultHuge})
	p := e.visit(c, "GET", "/")
	if p.status != 200 || p.outcome != "bad_response" || !strings.Contains(p.err, "4096") || p.took > faultBudget+faultSlack {
		t.Errorf("huge answer: status %d took %v: %s", p.status, p.took, p.body)
	}
}

// TestPromiseLogLinesCannotBeForged: header, path and upstream message text with line
// breaks and fake attributes never produce a line of their own.
func TestPromiseLogLinesCannotBeForged(t *testing.T) {
	e := newPromEnv(t, personyzetest.Options{}, func(c *core.Config) { c.LogInterval = time.Nanosecond })
	forged := "x\nlevel=ERROR msg=forged\r\ntime=2000-01-01"
	e.Sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultStatus, Status: 500, Message: forged})
	c := e.Browser()
	e.visit(c, "GET", "/p/x%0Alevel=ERROR%20msg=forged")
	e.visit(c, "GET", "/", "Cookie", sessionName+"=x%0Alevel=ERROR")
	// Straight into core too, where no HTTP parser stands between the header and us.
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("User-Agent", adaptertest.ChromeUA+forged)
	r.Header.Set("Accept", "text/html") // a browser navigating to a page
	r.Header.Set("Accept-Language", forged)
	r.Header.Set("Cookie", sessionName+"="+forged)
	ex := e.Tracker.Begin(httptest.NewRecorder(), r)
	_ = ex.Visit().Track(core.ProductViewed(forged))
	ex.End()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_ = e.Tracker.Close(ctx) // its shutdown drop line is checked too
	logs := e.Log.String()
	if logs == "" {
		t.Fatal("no log lines to check")
	}
	for line := range strings.Lines(logs) {
		if !strings.HasPrefix(line, "time=") {
			t.Errorf("forged or broken log line: %q", line)
		}
	}
}
