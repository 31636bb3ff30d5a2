package core

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gopersonyze/personyze/core/internal/inspect"
	"github.com/gopersonyze/personyze/core/internal/wire"
)

// InspectorOptions configure Tracker.Inspector.
type InspectorOptions struct {
	// Size is how many of the newest requests the inspector keeps. Default 100; at most
	// 10,000 (an entry takes a few KB).
	Size int
}

// Inspector returns a live inspector of the requests the middleware serves: an
// http.Handler serving one HTML page (with its script and style sheet, nothing from
// another origin, under its own strict Content-Security-Policy) that lists the newest
// requests and adds each new one as it is served (server-sent events). Each shows its
// kind and reason, the visitor facts, the commands sent (in the page's call, after it, and
// the statuses held for the visitor's next call), the answer's actions and campaigns named
// from the account's metadata, the outcome, how long the page waited, the circuit
// breaker's state, and the cookies (names and attributes) and cache headers the response
// was given. It filters by visitor (user id). The same data is served as JSON under
// "requests" (?visitor=<user id>, ?since=<seq>) and as events under "events".
//
// Mount it on a path that ends in a slash (a subtree), behind your application's own
// authentication: it shows what visitors do (paths, profile fields the handlers track).
// Neither the API key nor a cookie's value is ever in what it serves. Preferably mount it
// outside the Personyze middleware; inside, it tells the middleware to leave its own
// requests out (no call, no record).
//
//	mux.Handle("GET /debug/personyze/", requireAdmin(tr.Inspector(core.InspectorOptions{})))
//
// Nothing is recorded until Inspector is first called: a Tracker without one pays a
// pointer check per request. From then on every request is recorded, whether or not the
// page is open. Every call returns a handler of the same record, of the first call's Size.
func (t *Tracker) Inspector(opts InspectorOptions) http.Handler {
	rec := t.inspector.Load()
	if rec == nil {
		t.inspector.CompareAndSwap(nil, inspect.NewRecorder(opts.Size))
		rec = t.inspector.Load()
	}
	h := &inspect.Handler{Rec: rec, Breaker: func() string { return t.breaker.State().String() }}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		FromContext(r.Context()).skipInspector()
		h.ServeHTTP(w, r)
	})
}

// reasonInspector is the reason of the inspector's own requests when it is mounted inside
// the middleware: they are skipped and never recorded.
const reasonInspector = "inspector"

// skipInspector is Skip for the inspector's own requests, which it then leaves out of
// the record.
func (v *Visit) skipInspector() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.mode == modeActive && v.phase == phaseOpen {
		v.ctl.stop = stopSkip
		v.queued = nil
		v.kind, v.reason = KindIgnore, reasonInspector
	}
}

// observing reports whether requests are recorded: an inspector exists or DebugLog is on.
// It is all a request costs otherwise.
func (t *Tracker) observing() bool { return t.cfg.DebugLog || t.inspector.Load() != nil }

// observe records a request that has ended (or was ignored at Begin) for the inspector
// and the debug log. late and reports are what End hands to background delivery, read
// before delivery owns them.
func (t *Tracker) observe(v *Visit, late, reports *wire.Request) {
	e, ok := v.inspectEntry(late, reports)
	if !ok {
		return
	}
	e.Time = t.cfg.Now()
	e.Breaker = t.breaker.State().String()
	if rec := t.inspector.Load(); rec != nil {
		rec.Add(e)
	}
	if t.cfg.DebugLog {
		t.logRequest(v.r.Context(), &e)
	}
}

// inspectEntry reads what the inspector shows of the Visit, under its lock and without a
// side effect: it never calls Items, Actions or Campaigns, which would make the call, mark
// the response personalised or report the actions "executed". ok is false for the
// inspector's own requests.
func (v *Visit) inspectEntry(late, reports *wire.Request) (e inspect.Entry, ok bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	kind, reason := v.pageKind()
	if reason == reasonInspector {
		return e, false
	}
	e = inspect.Entry{
		Method: v.r.Method, Path: v.r.URL.Path, Status: v.ctl.status,
		Kind: kind.String(), Reason: reason,
		Outcome: v.call.Outcome.String(), Error: errString(v.call.Err),
		WaitedMS: float64(v.call.Duration.Round(10*time.Microsecond)) / float64(time.Millisecond),
		Stale:    v.stale, Attribution: v.actionID,
		Visitor: inspect.Visitor{
			UserID: v.facts.UserID, SessionID: v.state.SessionID, NewVisitor: v.sess != nil && v.sess.IsNew,
			Languages: v.facts.Languages, DeviceType: v.facts.DeviceType, OS: v.facts.OS,
			Platform: v.facts.Platform, TimeZone: v.facts.TimeZone, Screen: v.facts.Screen,
		},
		Sent:      []inspect.Command{},
		Actions:   make([]inspect.Action, 0, len(v.actions)),
		Campaigns: make([]inspect.Campaign, 0, len(v.ext.campaigns)),
		Cookies:   []inspect.Cookie{},
	}
	if s := inspectCommands(v.call.req); s != nil {
		e.Sent = s // what the call took: sent, or queued for the background when the breaker was open
	}
	e.Late, e.Held = inspectCommands(late), inspectCommands(reports)
	for _, a := range v.actions {
		ia := inspect.Action{ID: a.ID, Items: len(a.Items())} // Action.Items reports nothing
		if a.meta != nil {
			ia.Name, ia.Type = a.meta.Name, a.meta.Kind()
		}
		for _, p := range a.places {
			ia.Placeholders = append(ia.Placeholders, p.Name)
		}
		e.Actions = append(e.Actions, ia)
	}
	for _, c := range v.ext.campaigns {
		e.Campaigns = append(e.Campaigns, inspect.Campaign{ID: c.id, Name: c.name})
	}
	// e.Streamed stays false: a Visit's header waits for its call today. When visitstate.go
	// gains its "header sent before the answer" phase, that phase sets it here.
	if v.w != nil && v.phase >= phaseCommitted {
		h := v.w.Header()
		e.Cookies = inspectCookies(h.Values("Set-Cookie"))
		e.Cache = inspect.Cache{CacheControl: strings.Join(h.Values("Cache-Control"), ", "), Vary: strings.Join(h.Values("Vary"), ", ")}
	}
	return e, true
}

// inspectCommands copies a request's commands; nil for none.
func inspectCommands(req *wire.Request) []inspect.Command {
	if req == nil || len(req.Commands) == 0 {
		return nil
	}
	out := make([]inspect.Command, len(req.Commands))
	for i, c := range req.Commands {
		out[i] = inspect.Command{Name: c.Name, Args: append([]string(nil), c.Args...), ActionID: c.ActionID}
	}
	return out
}

// inspectCookies describes Set-Cookie header lines by their names and attributes; the
// value is dropped as the line is parsed and never copied.
func inspectCookies(lines []string) []inspect.Cookie {
	out := make([]inspect.Cookie, 0, len(lines))
	for _, l := range lines {
		c, err := http.ParseSetCookie(l)
		if err != nil {
			out = append(out, inspect.Cookie{Name: "(unreadable Set-Cookie header)"})
			continue
		}
		ic := inspect.Cookie{Name: c.Name, Path: c.Path, Domain: c.Domain, Secure: c.Secure, HTTPOnly: c.HttpOnly,
			Deleted: c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Unix(1, 0)))}
		if c.MaxAge > 0 {
			ic.MaxAge = c.MaxAge
		}
		if !c.Expires.IsZero() {
			ic.Expires = c.Expires.UTC().Format(http.TimeFormat)
		}
		switch c.SameSite {
		case http.SameSiteLaxMode:
			ic.SameSite = "Lax"
		case http.SameSiteStrictMode:
			ic.SameSite = "Strict"
		case http.SameSiteNoneMode:
			ic.SameSite = "None"
		}
		out = append(out, ic)
	}
	return out
}

// logRequest writes the debug log's line for one request (see Config.DebugLog).
func (t *Tracker) logRequest(ctx context.Context, e *inspect.Entry) {
	attrs := []slog.Attr{
		slog.String("method", e.Method), slog.String("path", e.Path), slog.String("kind", e.Kind),
		slog.String("reason", e.Reason), slog.String("outcome", e.Outcome),
		slog.Duration("latency", time.Duration(e.WaitedMS*float64(time.Millisecond))),
		slog.String("commands", inspect.LogCommands(e.Sent)),
	}
	if e.Status != 0 {
		attrs = append(attrs, slog.Int("status", e.Status))
	}
	if e.Visitor.UserID != 0 {
		attrs = append(attrs, slog.Uint64("user_id", uint64(e.Visitor.UserID)))
	}
	if len(e.Late) > 0 {
		attrs = append(attrs, slog.String("late", inspect.LogCommands(e.Late)))
	}
	if e.Error != "" {
		attrs = append(attrs, slog.String("error", e.Error))
	}
	if e.Breaker != "closed" {
		attrs = append(attrs, slog.String("breaker", e.Breaker))
	}
	t.log.LogAttrs(ctx, slog.LevelDebug, "personyze: request", attrs...)
}

// validateDebugLog refuses a DebugLog that would print nothing: its lines are Debug lines,
// which the Logger's handler must let through.
func validateDebugLog(cfg Config) error {
	if cfg.DebugLog && !cfg.Logger.Enabled(context.Background(), slog.LevelDebug) {
		return &ConfigError{Field: "DebugLog", Problem: "is set but Config.Logger drops Debug lines, so it would log nothing",
			Fix: "give Config.Logger a handler at level Debug, e.g. slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))"}
	}
	return nil
}
