package adaptertest

import (
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// scenario is one behaviour every adapter must show.
type scenario struct {
	name string
	run  func(t *testing.T, a Adapter)
}

// scenarios returns the suite, in the order Run runs it.
func scenarios() []scenario {
	return []scenario{
		{"FirstVisitSetsCookie", firstVisit},
		{"SessionChain", sessionChain},
		{"EventsInPageCall", eventsInPageCall},
		{"RecommendationsInHTML", recommendationsInHTML},
		{"RedirectAfterPost", redirectAfterPost},
		{"HandlerError", handlerError},
		{"NoBodyWritten", noBody},
		{"LateEventsDelivered", lateEvents},
		{"Streaming", streaming},
		{"FlushBeforeBody", flushFirst},
		{"Hijack", hijack},
		{"SkippedStaticAndBots", skipped},
		{"NotPageViews", notPageViews},
		{"BufferedErrorPages", bufferedErrorPages},
		{"UserKeyAfterAuth", userKeyAfterAuth},
		{"IdentityChanges", identityChanges},
		{"ConsentWithdrawn", consentWithdrawn},
		{"EnvScript", envScript},
		{"EnvScriptFile", envScriptFile},
		{"RegionInline", regionInline},
		{"RegionStreamed", regionStreamed},
		{"Faults", faults},
		{"ConcurrentVisitors", concurrent},
		{"Load", load},
	}
}

// Scenarios returns the names of the suite's scenarios, in the order Run runs them.
func Scenarios() []string {
	all := scenarios()
	out := make([]string, len(all))
	for i, s := range all {
		out[i] = s.name
	}
	return out
}

// Run runs every scenario of the suite against a, each as a subtest named
// "<a.Name>/<scenario>" with its own simulator, tracker and server.
func Run(t *testing.T, a Adapter) {
	t.Helper()
	if a.New == nil {
		t.Fatal("adaptertest: Adapter.New is nil")
	}
	t.Run(a.Name, func(t *testing.T) {
		for _, s := range scenarios() {
			t.Run(s.name, func(t *testing.T) { s.run(t, a) })
		}
	})
}

// shop starts the standard world for a.
func shop(t *testing.T, a Adapter) *Env {
	return newEnv(t, a, personyzetest.Options{Seed: 1}, 2*time.Second, nil)
}

// shopWith starts a world with simulator options and a config change.
func shopWith(t *testing.T, a Adapter, simOpts personyzetest.Options, mut func(*core.Config)) *Env {
	return newEnv(t, a, simOpts, 2*time.Second, mut)
}
