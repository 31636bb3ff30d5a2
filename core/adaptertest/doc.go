// Package adaptertest is the conformance suite for Personyze framework adapters: one table
// of scenarios that every adapter (net/http, Gin, Echo v4, Echo v5) must pass, so that all of
// them behave exactly alike.
//
// An adapter's test supplies an Adapter: a function that builds the framework's app with
// the standard routes (see Routes) behind the adapter's middleware. Run then serves that
// app on 127.0.0.1 against a personyzetest simulator and checks, among others, the first
// visit's cookie, the session chain, events travelling in the page's call,
// recommendations in the rendered HTML, redirect after POST, the framework's error path,
// streaming, hijacking, skipped requests, every simulator fault, 40 concurrent visitors,
// and a load test (64 visitors, a few thousand page views; skipped with -short).
//
//	func TestConformance(t *testing.T) {
//		adaptertest.Run(t, adaptertest.Adapter{Name: "myframework", New: newApp})
//	}
//
// The package is exported (not internal) so that authors of adapters for other frameworks
// can run the same suite against their own. Its test world, Env, serves any handler behind
// a Tracker and a simulator, for tests of an application's own pages:
//
//	e := adaptertest.NewEnv(t, func(tr *core.Tracker) http.Handler {
//		return nethttp.Middleware(tr)(myMux)
//	}, adaptertest.EnvOptions{})
//	e.Get(e.Browser(), "/products/p1")
//	fmt.Println(adaptertest.Names(e.LastCall())) // [Product Viewed Navigate]
//
// Benchmark measures a page view through an adapter beside the same handler without it, a
// plain cookie session and the naive way of doing this job, against an in-memory upstream.
//
// Like net/http/httptest, it is meant for tests only.
package adaptertest
