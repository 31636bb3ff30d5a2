package shop

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/gopersonyze/personyze/core/personyzetest"
)

// TestInspectorOnlyWithSimulator: the live inspector exists, and the footer links to it,
// only when the shop runs on the simulator; with an API key (a real deployment, which has
// no staff sign-in to put in front of it) there is none.
func TestInspectorOnlyWithSimulator(t *testing.T) {
	sim := personyzetest.NewServer(personyzetest.Options{})
	defer sim.Close()
	keys := strings.Repeat("ab", 64) + "," + strings.Repeat("cd", 32)
	for _, tc := range []struct {
		name string
		env  Env
		want string
	}{
		{"simulator", Env{}, InspectorPath},
		{"API key", Env{APIKey: sim.APIKey(), APIURL: sim.URL(), SessionKeys: keys}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(tc.env, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close(context.Background())
			if got := s.inspectorLink(); got != tc.want || (s.Inspector != nil) != (tc.want != "") {
				t.Errorf("footer link %q, inspector %v; want %q", got, s.Inspector != nil, tc.want)
			}
		})
	}
}
