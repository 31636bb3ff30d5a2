package core_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// TestSetStatus: a status said before the page's call decides whether it is a page view,
// as the status of the header does; the last one said counts, the header's overrides it,
// and a status said too late is refused with ErrTooLate.
func TestSetStatus(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		handler    func(t *testing.T, v *core.Visit, w http.ResponseWriter)
		wantKind   core.RequestKind
		wantReason string
		wantCmds   []string // the one call's commands, nil for no call
	}{
		{"404 said, page rendered into a buffer", http.MethodGet, func(t *testing.T, v *core.Visit, w http.ResponseWriter) {
			mustSetStatus(t, v, http.StatusNotFound)
			bufferedPage(v, w, http.StatusNotFound)
		}, core.KindEvent, "response 404", nil},
		{"404 with a tracked event", http.MethodGet, func(t *testing.T, v *core.Visit, w http.ResponseWriter) {
			_ = v.Track(core.ProductViewed("p1"))
			mustSetStatus(t, v, http.StatusNotFound)
			bufferedPage(v, w, http.StatusNotFound)
		}, core.KindEvent, "response 404", []string{"Product Viewed"}},
		{"500 said", http.MethodGet, func(t *testing.T, v *core.Visit, w http.ResponseWriter) {
			mustSetStatus(t, v, http.StatusInternalServerError)
			bufferedPage(v, w, http.StatusInternalServerError)
		}, core.KindEvent, "response 500", nil},
		{"redirect said", http.MethodGet, func(t *testing.T, v *core.Visit, w http.ResponseWriter) {
			mustSetStatus(t, v, http.StatusSeeOther)
			_ = v.Items()
			w.Header().Set("Location", "/")
			w.WriteHeader(http.StatusSeeOther)
		}, core.KindEvent, "response 303", nil},
		{"200 said", http.MethodGet, func(t *testing.T, v *core.Visit, w http.ResponseWriter) {
			mustSetStatus(t, v, http.StatusOK)
			bufferedPage(v, w, http.StatusOK)
		}, core.KindPage, "page view", []string{"Navigate"}},
		{"the last status said counts", http.MethodGet, func(t *testing.T, v *core.Visit, w http.ResponseWriter) {
			mustSetStatus(t, v, http.StatusNotFound)
			mustSetStatus(t, v, http.StatusOK)
			bufferedPage(v, w, http.StatusOK)
		}, core.KindPage, "page view", []string{"Navigate"}},
		{"the header's status overrides", http.MethodGet, func(t *testing.T, v *core.Visit, w http.ResponseWriter) {
			mustSetStatus(t, v, http.StatusNotFound)
			writePage(w) // 200, before anything read recommendations
		}, core.KindPage, "page view", []string{"Navigate"}},
		{"said, nothing written", http.MethodGet, func(t *testing.T, v *core.Visit, w http.ResponseWriter) {
			mustSetStatus(t, v, http.StatusNotFound)
		}, core.KindEvent, "response 404", nil},
		{"informational ignored", http.MethodGet, func(t *testing.T, v *core.Visit, w http.ResponseWriter) {
			mustSetStatus(t, v, http.StatusEarlyHints)
			bufferedPage(v, w, http.StatusOK)
		}, core.KindPage, "page view", []string{"Navigate"}},
		{"not a status", http.MethodGet, func(t *testing.T, v *core.Visit, w http.ResponseWriter) {
			for _, code := range []int{0, -1, 99, 1000} {
				if err := v.SetStatus(code); err == nil || errors.Is(err, core.ErrTooLate) {
					t.Errorf("SetStatus(%d) = %v, want an error saying it is not a status", code, err)
				}
			}
			bufferedPage(v, w, http.StatusOK)
		}, core.KindPage, "page view", []string{"Navigate"}},
		{"too late", http.MethodGet, func(t *testing.T, v *core.Visit, w http.ResponseWriter) {
			_ = v.Items() // the call is made as a page view
			if err := v.SetStatus(http.StatusNotFound); !errors.Is(err, core.ErrTooLate) {
				t.Errorf("SetStatus(404) after the call = %v, want ErrTooLate", err)
			}
			mustSetStatus(t, v, http.StatusOK) // agrees with the call: no error
			writePage(w)
		}, core.KindPage, "page view", []string{"Navigate"}},
		{"a POST stays an event", http.MethodPost, func(t *testing.T, v *core.Visit, w http.ResponseWriter) {
			_ = v.Track(core.ProductAddedToCart("p1"))
			mustSetStatus(t, v, http.StatusOK)
			bufferedPage(v, w, http.StatusOK)
		}, core.KindEvent, "method POST", []string{"Product Added to cart"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, tr := controlWorld(t, nil)
			r := navigate("/page")
			r.Method = tt.method
			var v *core.Visit
			serveVisit(tr, r, func(visit *core.Visit, w http.ResponseWriter) {
				v = visit
				tt.handler(t, v, w)
			})
			if v.Kind() != tt.wantKind || v.Reason() != tt.wantReason {
				t.Errorf("kind %v (%q), want %v (%q)", v.Kind(), v.Reason(), tt.wantKind, tt.wantReason)
			}
			reqs := sim.Requests()
			switch {
			case tt.wantCmds == nil && len(reqs) != 0:
				t.Errorf("%d calls, want none: %v", len(reqs), commandNames(reqs[0]))
			case tt.wantCmds != nil && len(reqs) != 1:
				t.Fatalf("%d calls, want 1", len(reqs))
			case tt.wantCmds != nil && !slices.Equal(commandNames(reqs[0]), tt.wantCmds):
				t.Errorf("call sent %v, want %v", commandNames(reqs[0]), tt.wantCmds)
			}
		})
	}
}

// TestSetStatusKindBeforeTheCall: the status said shows in Kind and Reason at once, so
// templates (personyzeScript) see that the page is not a page view before any read.
func TestSetStatusKindBeforeTheCall(t *testing.T) {
	_, tr := controlWorld(t, nil)
	serveVisit(tr, navigate("/page"), func(v *core.Visit, w http.ResponseWriter) {
		mustSetStatus(t, v, http.StatusNotFound)
		if v.Kind() != core.KindEvent || v.Reason() != "response 404" {
			t.Errorf("after SetStatus(404): %v (%q)", v.Kind(), v.Reason())
		}
		mustSetStatus(t, v, http.StatusOK)
		if v.Kind() != core.KindPage || v.Reason() != "page view" {
			t.Errorf("after SetStatus(200): %v (%q)", v.Kind(), v.Reason())
		}
	})
}

// TestSetStatusKeepsHeldStatuses: the "executed" statuses of a page are not sent with a
// 404 page that makes no call, nor lost: they ride on the visitor's next page view.
func TestSetStatusKeepsHeldStatuses(t *testing.T) {
	sim, tr := controlWorld(t, nil)
	show := func(v *core.Visit, w http.ResponseWriter) { bufferedPage(v, w, http.StatusOK) }
	cookies := serveVisit(tr, navigate("/products/p1"), func(v *core.Visit, w http.ResponseWriter) {
		_ = v.Track(core.ProductViewed("p1"))
		show(v, w)
	}).Cookies()
	var shown int
	serveVisit(tr, navigate("/", cookies...), func(v *core.Visit, w http.ResponseWriter) {
		shown = len(v.Items())
		show(v, w)
	})
	if shown == 0 {
		t.Fatal("the simulator recommended nothing: no executed statuses to hold")
	}
	calls := len(sim.Requests())
	serveVisit(tr, navigate("/missing", cookies...), func(v *core.Visit, w http.ResponseWriter) {
		mustSetStatus(t, v, http.StatusNotFound)
		bufferedPage(v, w, http.StatusNotFound)
	})
	if n := len(sim.Requests()); n != calls {
		t.Fatalf("the 404 page made %d calls, want none", n-calls)
	}
	serveVisit(tr, navigate("/", cookies...), show)
	reqs := sim.Requests()
	if len(reqs) != calls+1 {
		t.Fatalf("%d calls after the 404 page, want 1", len(reqs)-calls)
	}
	got := commandNames(reqs[len(reqs)-1])
	if !slices.Contains(got, "Action Status") || got[len(got)-1] != "Navigate" {
		t.Errorf("the page view after the 404 page sent %v, want the held statuses and its Navigate", got)
	}
}

// TestSetStatusInactive: on a nil or inactive Visit (a bot, no middleware) SetStatus does
// nothing.
func TestSetStatusInactive(t *testing.T) {
	_, tr := controlWorld(t, nil)
	bot := navigate("/")
	bot.Header.Set("User-Agent", "curl/8.5.0")
	for _, v := range []*core.Visit{nil, core.FromContext(t.Context()), tr.Begin(httptest.NewRecorder(), bot).Visit()} {
		if err := v.SetStatus(http.StatusNotFound); err != nil {
			t.Errorf("inactive Visit: %v", err)
		}
	}
}

func mustSetStatus(t *testing.T, v *core.Visit, code int) {
	t.Helper()
	if err := v.SetStatus(code); err != nil {
		t.Errorf("SetStatus(%d): %v", code, err)
	}
}

// bufferedPage renders a page that reads recommendations into a buffer, then writes it
// with status: how Echo's c.Render and apps that turn template errors into a 500 work.
func bufferedPage(v *core.Visit, w http.ResponseWriter, status int) {
	var buf bytes.Buffer
	for _, it := range v.Items() {
		buf.WriteString("<li>" + it.Title() + "</li>")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// commandNames lists a recorded call's command names.
func commandNames(r personyzetest.Request) []string {
	out := make([]string, 0, len(r.Commands))
	for _, c := range r.Commands {
		out = append(out, c.Name)
	}
	return out
}
