package core_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/gopersonyze/personyze/core"
)

// TestCloseActionTooLateIsErrTooLate: like every per-request control, CloseAction's
// too-late error is ErrTooLate, so callers can test for it with errors.Is.
func TestCloseActionTooLateIsErrTooLate(t *testing.T) {
	_, tr := controlWorld(t, nil)
	rec := httptest.NewRecorder()
	ex := tr.Begin(rec, navigate("/p"))
	ex.BeforeHeader(http.StatusOK)
	err := ex.Visit().CloseAction(5, 2)
	ex.End()
	if !errors.Is(err, core.ErrTooLate) {
		t.Fatalf("CloseAction after the header: %v, want an ErrTooLate", err)
	}
}

// TestVisitReadersRaceWriters: the Visit's readers (String, Kind, Reason, Facts, UserID,
// Active, Exchange.Active) may run beside the controls that change what they read
// (SetConsent, SetUserKey, Skip) on another goroutine; -race reports any unguarded read.
func TestVisitReadersRaceWriters(t *testing.T) {
	_, tr := controlWorld(t, func(c *core.Config) { c.Consent = func(*http.Request) bool { return false } })
	for _, name := range []string{"SetConsent", "SetUserKey", "Skip"} {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			ex := tr.Begin(rec, navigate("/p"))
			v := ex.Visit()
			if name != "SetConsent" {
				if err := v.SetConsent(true); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				switch name {
				case "SetConsent":
					err = v.SetConsent(true)
				case "SetUserKey":
					err = v.SetUserKey("alice")
				case "Skip":
					err = v.Skip()
				}
				if err != nil {
					t.Error(err)
				}
			}()
			_ = v.String()
			_, _, _ = v.Kind(), v.Reason(), v.Facts()
			_, _, _ = v.UserID(), v.Active(), ex.Active()
			wg.Wait()
			ex.End()
			if name == "SetConsent" && (!v.Active() || v.UserID() == 0) {
				t.Errorf("after SetConsent(true): Active %v, UserID %d", v.Active(), v.UserID())
			}
			if name == "SetUserKey" && v.UserID() == 0 {
				t.Error("no user_id after SetUserKey")
			}
		})
	}
}

// TestActiveAgreement pins down Exchange.Active (the adapter drives the Visit) beside
// Visit.Active (the Visit talks to Personyze) in every state a Visit can be in: they differ
// only for a Visit waiting for consent and after Skip or Forget, and Visit.Active always
// implies Exchange.Active.
func TestActiveAgreement(t *testing.T) {
	_, tr := controlWorld(t, func(c *core.Config) {
		c.Consent = func(r *http.Request) bool { return r.URL.Query().Get("consent") != "no" }
	})
	bot := navigate("/p")
	bot.Header.Set("User-Agent", "curl/8.0")
	tests := []struct {
		name            string
		r               *http.Request
		do              func(v *core.Visit) error
		exchange, visit bool
	}{
		{"page", navigate("/p"), nil, true, true},
		{"bot", bot, nil, false, false},
		{"waiting for consent", navigate("/p?consent=no"), nil, true, false},
		{"consent given", navigate("/p?consent=no"), func(v *core.Visit) error { return v.SetConsent(true) }, true, true},
		{"consent withdrawn", navigate("/p?consent=no"), func(v *core.Visit) error { return v.SetConsent(false) }, true, false},
		{"skipped", navigate("/p"), func(v *core.Visit) error { return v.Skip() }, true, false},
		{"forgotten", navigate("/p"), func(v *core.Visit) error { return v.Forget() }, true, false},
		{"no middleware", nil, nil, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v *core.Visit
			exchange := false
			if tt.r == nil {
				v = core.FromContext(t.Context())
			} else {
				ex := tr.Begin(httptest.NewRecorder(), tt.r)
				defer ex.End()
				v = ex.Visit()
				if tt.do != nil {
					if err := tt.do(v); err != nil {
						t.Fatal(err)
					}
				}
				exchange = ex.Active()
			}
			if exchange != tt.exchange || v.Active() != tt.visit {
				t.Errorf("Exchange.Active %v, Visit.Active %v; want %v, %v", exchange, v.Active(), tt.exchange, tt.visit)
			}
			if c := v.Call(); c.Outcome != v.Outcome() || c.Err != v.Err() {
				t.Errorf("Call() says %v %v, Outcome and Err %v %v", c.Outcome, c.Err, v.Outcome(), v.Err())
			}
		})
	}
}
