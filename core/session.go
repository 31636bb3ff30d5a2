package core

import (
	"crypto/rand"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gorilla/sessions"

	"github.com/gopersonyze/personyze/core/internal/session"
)

// The visitor's state in the cookie session, its codec and the built-in store live in
// package session; this file holds what depends on the Config: the store it builds, the
// cookie's attributes, checking the keys and deleting the cookies.

// cookieOptions returns the cookie options for r. Every field is set explicitly because
// gorilla/sessions changed its defaults in v1.4.0 (Secure and SameSite=None).
func (t *Tracker) cookieOptions(r *http.Request) *sessions.Options {
	return &sessions.Options{
		Path:     t.cfg.CookiePath,
		Domain:   t.cfg.CookieDomain,
		MaxAge:   t.cfg.CookieMaxAge,
		Secure:   isHTTPS(r),
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}

// isHTTPS reports whether the visitor reached us over TLS, directly or through a proxy that
// says so. Trusting X-Forwarded-Proto only makes the cookie stricter, never weaker.
func isHTTPS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// newCookieStore builds the signed and encrypted cookie store from Config.SessionKeys.
func newCookieStore(cfg Config) (sessions.Store, error) {
	keys := cfg.SessionKeys
	if len(keys) == 0 {
		// Development only (checked by validateSession): keys live as long as the process.
		keys = [][]byte{randomKey(64), randomKey(32)}
	}
	return session.NewCookieStore(cfg.CookieMaxAge, keys...), nil
}

func randomKey(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// validateSession checks the session part of the configuration.
func validateSession(cfg Config) error {
	if cfg.SessionStore != nil {
		return nil
	}
	if len(cfg.SessionKeys) == 0 {
		if cfg.Development {
			return nil
		}
		return &ConfigError{Field: "SessionKeys", Problem: "no session keys and no SessionStore",
			Fix: keygenHelp + " (keep them secret and stable across restarts); or pass your own SessionStore, or set Development: true for local use"}
	}
	return validateKeys(cfg.SessionKeys)
}

// hasCookies reports whether r carries a cookie this library sets.
func (t *Tracker) hasCookies(r *http.Request) bool {
	for _, c := range r.Cookies() {
		if c.Name == t.cfg.SessionName || c.Name == EnvCookieName {
			return true
		}
	}
	return false
}

// deleteCookies expires the library's cookies in w: EnvCookieName, and the session cookie
// of the built-in store, or this library's values in the application's own store (whose
// cookie may hold the app's sign-in). sess is the loaded session, nil if none was loaded.
func (t *Tracker) deleteCookies(w http.ResponseWriter, r *http.Request, sess *sessions.Session) {
	http.SetCookie(w, &http.Cookie{Name: EnvCookieName, Value: "", Path: "/", MaxAge: -1,
		Secure: isHTTPS(r), SameSite: http.SameSiteLaxMode})
	if t.cfg.SessionStore == nil {
		o := t.cookieOptions(r) // the attributes it was set with, or browsers keep it
		http.SetCookie(w, &http.Cookie{Name: t.cfg.SessionName, Value: "", Path: o.Path,
			Domain: o.Domain, MaxAge: -1, Secure: o.Secure, HttpOnly: o.HttpOnly, SameSite: o.SameSite})
		return
	}
	if sess == nil {
		s, err := t.store.Get(r, t.cfg.SessionName)
		if err != nil || s == nil {
			return // nothing readable of ours in it
		}
		sess = s
	}
	session.Clear(sess)
	if err := t.store.Save(r, w, sess); err != nil {
		t.logs.log(t.log, slog.LevelWarn, "cookie-save", "personyze: session not saved after Forget", slog.String("error", err.Error()))
	}
}
