package core

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/gopersonyze/personyze/core/internal/delivery"
	"github.com/gopersonyze/personyze/core/internal/wire"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// TestHeldStatusesKeepTheSDKOrder: a page's held statuses go ahead of the next page's own
// commands (its impressions before the clicks they caused), and statuses that the SDKs'
// duplicate rule would drop where they would land go in a call of their own instead.
func TestHeldStatusesKeepTheSDKOrder(t *testing.T) {
	st := func(id int64, s, arg string) wire.Command { return ActionStatus(id, s, arg).w }
	nav := Navigate("/p").w
	pv := ProductViewed("p2").WithAction(73).w
	tests := []struct {
		name     string
		held     [][]wire.Command // each page's statuses, held in turn
		call     []wire.Command   // the next page's call
		wantSent [][]wire.Command // sent apart, in order
		wantCall []wire.Command
		// heldIn and callIn are the session ids of the held statuses and of the call.
		heldIn, callIn string
	}{
		{"impression before the click it caused",
			[][]wire.Command{{st(73, "executed", "")}}, []wire.Command{pv, st(73, "product", "p2"), nav},
			nil, []wire.Command{st(73, "executed", ""), pv, st(73, "product", "p2"), nav}, "", ""},
		{"the page reports the same impression itself",
			[][]wire.Command{{st(73, "executed", "")}}, []wire.Command{st(73, "executed", ""), nav},
			[][]wire.Command{{st(73, "executed", "")}}, []wire.Command{st(73, "executed", ""), nav}, "", ""},
		{"two pages shown one action",
			[][]wire.Command{{st(73, "executed", "")}, {st(73, "executed", "")}}, []wire.Command{nav},
			[][]wire.Command{{st(73, "executed", "")}}, []wire.Command{st(73, "executed", ""), nav}, "", ""},
		{"two pages shown other actions",
			[][]wire.Command{{st(73, "executed", "")}, {st(74, "executed", "")}}, []wire.Command{nav},
			nil, []wire.Command{st(73, "executed", ""), st(74, "executed", ""), nav}, "", ""},
		{"held before the session was known",
			[][]wire.Command{{st(73, "executed", "")}}, []wire.Command{nav},
			nil, []wire.Command{st(73, "executed", ""), nav}, "", "S1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sent [][]wire.Command
			h := delivery.NewHeld(func(r *wire.Request) { sent = append(sent, r.Commands) })
			for _, cmds := range tt.held {
				h.Hold(&wire.Request{UserID: 1, SessionID: tt.heldIn, Commands: cmds})
			}
			call := &wire.Request{UserID: 1, SessionID: tt.callIn, Commands: tt.call}
			h.RideOn(call)
			if fmt.Sprint(sent) != fmt.Sprint(tt.wantSent) || fmt.Sprint(call.Commands) != fmt.Sprint(tt.wantCall) {
				t.Errorf("sent apart %v and the call %v, want %v and %v", sent, call.Commands, tt.wantSent, tt.wantCall)
			}
			if h.Len() != 0 {
				t.Errorf("%d visitors still held", h.Len())
			}
			for _, cmds := range append(slices.Clone(sent), call.Commands) {
				if d := wire.DuplicateStatuses(cmds); d != nil {
					t.Errorf("call %v breaks the SDKs' rule at %v", cmds, d)
				}
			}
		})
	}
}

// TestLateClickAndImpressionOfOneAction: a page reached through action 102's link that
// shows action 102 again and tracks the product view after its call has both the click and
// the impression to report after the call; they do not share a call (the SDKs would drop
// the impression after the click), and neither is lost.
func TestLateClickAndImpressionOfOneAction(t *testing.T) {
	w := newWorld(t, personyzetest.Options{}, nil)
	w.mux.HandleFunc("GET /late/{id}", func(rw http.ResponseWriter, r *http.Request) {
		v := FromContext(r.Context())
		_ = pageTemplate.Execute(rw, v) // the call, then "executed" for what it shows
		_ = v.Track(ProductViewed(r.PathValue("id")))
	})
	c := w.browser()
	w.get(c, "/")
	user := w.last().UserID
	w.get(c, "/late/p3?pz=102")
	w.close() // delivers the late events and what is held; newWorld checks every call
	var got []string
	for _, s := range w.statuses(user) {
		if s == "102 executed " || s == "102 product p3" {
			got = append(got, s)
		}
	}
	// The home page's impression rides on the next page's call, ahead of the click; the
	// late call and the held statuses are delivered in the background, in either order.
	if len(got) != 3 || got[0] != "102 executed " || !slices.Equal(slices.Sorted(slices.Values(got[1:])), []string{"102 executed ", "102 product p3"}) {
		t.Errorf("statuses of action 102: %q, want the home page's impression, then the click and this page's impression", got)
	}
}

// BenchmarkRideOn measures what every page call of a returning visitor pays for the
// previous page's statuses: three impressions joined ahead of a followed recommendation's
// view, click and Navigate.
func BenchmarkRideOn(b *testing.B) {
	held := []wire.Command{ActionStatus(101, "executed", "").w, ActionStatus(102, "executed", "").w, ActionStatus(301, "executed", "").w}
	page := []wire.Command{ProductViewed("p2").WithAction(101).w, ActionStatus(101, "product", "p2").w, Navigate("/products/p2").w}
	h := delivery.NewHeld(func(*wire.Request) { b.Fatal("sent apart") })
	b.ReportAllocs()
	for b.Loop() {
		h.Hold(&wire.Request{UserID: 1, SessionID: "S", Commands: held})
		h.RideOn(&wire.Request{UserID: 1, SessionID: "S", Commands: page})
	}
}
