// Command loadtest measures the demo shop under load, one adapter at a time.
//
//	go run ./examples/loadtest -adapter all -visitors 64 -upstream 5ms -duration 10s -rounds 3
//
// For each adapter it starts the shop (package shop) behind that adapter in a server
// process of its own (this program started again), with the tracker talking to the
// personyzetest simulator in this process, which answers after -upstream. Then
// -visitors concurrent visitors, each with its own cookie jar and connections, ask for
// the shop's pages (products, articles, the home page) one after another for -duration,
// -rounds times, pausing -think after each page (by default not at all: the visitors
// then keep the server saturated, and the latencies measure its queue; with a pause the
// load is one a real site sees, below what the machine can serve). After each round it prints:
//
//	req/s        pages served per second
//	p50, p99     page latency minus the upstream latency
//	cpu/1k       CPU seconds of the server process per 1,000 pages
//	allocs/page  heap allocations of the server process per page
//	conns        new TCP connections to the simulator (the tracker's pool)
//	reached      share of the round's pages whose tracker call reached the simulator
//	             by the end of the round plus -drain
//	replaced     calls that carried a session id the simulator had already replaced
//	             for that visitor (see upstream.serve)
//	opened       circuit breaker openings in the server (from its log)
//	ev/s         events per second that reached the simulator in calls without a page
//	             view (background delivery), during the round
//	maxq         the largest delivery queue depth seen (Stats.QueueDepth, read every 50ms)
//	outcomes     the round's Visit outcomes other than ok, and queue_full drops
//	heap, rss    the server's live heap after a forced collection, and its resident
//	             memory, once the round, the drain and -idle are over
//
// -regions adds a second line per round: the time to the first byte (ttfb) and to the last
// one (last: for a page whose regions were streamed, when the last region arrived), p50
// and p99, not less the upstream latency. The shop's recommendations, placeholders and
// debug panel are regions (see core's Regions): answered within Config.InlineWait they
// render in place, else they stream. -render blocking turns streaming off in the server
// (Config.StreamBudget -1), which is how pages rendered before regions existed: the page
// waits for Personyze up to Config.Timeout. Beside the plain baseline, at three latencies:
//
//	go run ./examples/loadtest -adapter plain,nethttp -regions -upstream 250ms -visitors 8 -think 100ms -duration 10s -rounds 2
//	go run ./examples/loadtest -adapter nethttp -regions -render blocking -upstream 250ms -visitors 8 -think 100ms -duration 10s -rounds 2
//
// -event makes every page track an event after its tracker call, which goes to
// background delivery, to measure it against a slow Personyze:
//
//	go run ./examples/loadtest -adapter nethttp -page light -event -upstream 1.5s -visitors 200 -think 2s -duration 15s -rounds 1
//
// A Personyze that slow also keeps the pages' circuit breaker open, which holds background
// delivery back on purpose; -event-upstream slows only the calls without a page view, to
// measure background delivery alone:
//
//	go run ./examples/loadtest -adapter nethttp -page light -event -upstream 5ms -event-upstream 1.5s -visitors 200 -think 2s -duration 15s -rounds 1
//
// -junk makes the visitors bots and scanners: random headers and cookies, no cookie jar
// (every page a visitor never seen before), one page in four a product or article that
// does not exist. -embedded has the server talk to the shop's own in-process simulator,
// as the example shops do without an API key, so that heap and rss include the
// simulator's memory (conns, reached and replaced are then not measured). Together, for
// a soak of the server's memory:
//
//	go run ./examples/loadtest -adapter gin -junk -embedded -visitors 200 -rounds 6 -idle 15s
//
// -redis redis://127.0.0.1:6379/0 measures each adapter a second time with the tracker's
// visitor store and delivery queue on that Redis (core/personyzeredis), in a row of its
// own named <adapter>+redis, to see what the shared store costs a page.
//
// -adapter takes a comma-separated list; plain is the first baseline: the same server and
// pages on net/http without the library (the light page prints ten fixed products), run
// beside an adapter to tell the library's part of the latencies from the machine's:
//
//	go run ./examples/loadtest -adapter plain,nethttp -page light -think 100ms
//
// naive is the second baseline, for the light page only: the same page making the
// tracker call the straightforward way (a gorilla cookie session, http.DefaultClient,
// encoding/json into maps), to compare the library with the code it replaces:
//
//	go run ./examples/loadtest -adapter plain,naive,nethttp -page light -think 100ms
//
// The server's CPU and allocations are its own: the visitors and the simulator run in
// this process. -page light serves a small page printing ten recommendations instead
// of the shop's templates, and -cpuprofile writes the server's CPU profile, to see the
// library's share of a page.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

// config is the command line.
type config struct {
	adapters []string
	visitors int
	upstream time.Duration
	// eventUpstream is the latency of calls without a page view (0: upstream).
	eventUpstream time.Duration
	duration      time.Duration
	think         time.Duration
	rounds        int
	drain         time.Duration
	light         bool
	event         bool
	junk          bool          // visitors with random headers and no cookies (see junk.go)
	embedded      bool          // the server uses the shop's in-process simulator
	idle          time.Duration // wait after each round's drain before reading memory
	cpuProfile    string
	verbose       bool
	regions       bool   // print the first- and last-byte line
	blocking      bool   // the server renders regions in place, waiting (-render blocking)
	redisURL      string // -redis: each adapter measured again with the Redis store
}

func main() {
	if adapter := os.Getenv(serveEnv); adapter != "" {
		os.Exit(serveMain(adapter))
	}
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0) // -h or -help: the usage was asked for
	}
	if err != nil {
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// parseFlags reads the command line; errors are printed to stderr with the usage.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	adapter := fs.String("adapter", "all", "adapters to measure, comma-separated: "+strings.Join(adapterNames, ", ")+", all, or the baselines "+plainName+
		" (the same pages without the library) and "+naiveName+" (the light page doing the library's job naively)")
	fs.IntVar(&cfg.visitors, "visitors", 64, "concurrent visitors")
	fs.DurationVar(&cfg.upstream, "upstream", 5*time.Millisecond, "latency of the simulated Personyze")
	fs.DurationVar(&cfg.eventUpstream, "event-upstream", 0, "latency of the simulated Personyze for calls without a page view (events sent in the background), at least -upstream; 0: -upstream")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "length of a round")
	fs.DurationVar(&cfg.think, "think", 0, "each visitor's pause after a page (0: the next page at once, which saturates the server)")
	fs.IntVar(&cfg.rounds, "rounds", 3, "rounds per adapter")
	fs.DurationVar(&cfg.drain, "drain", 2*time.Second, "longest wait after a round for late tracker calls")
	fs.BoolVar(&cfg.junk, "junk", false, "visitors send random headers and cookies, keep no cookies and ask for missing pages too")
	fs.BoolVar(&cfg.embedded, "embedded", false, "the server uses the shop's in-process simulator (as the examples do without an API key)")
	fs.DurationVar(&cfg.idle, "idle", 0, "pause after each round's drain before the server's memory is read")
	fs.BoolVar(&cfg.event, "event", false, "every page tracks an event after its tracker call (background delivery)")
	page := fs.String("page", "shop", "page to serve: shop (the demo shop's templates) or light (ten recommendations)")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write the server's CPU profile to this file (needs a single -adapter)")
	fs.BoolVar(&cfg.verbose, "v", false, "pass the server's warnings through to stderr")
	fs.BoolVar(&cfg.regions, "regions", false, "print each round's time to the first and to the last byte")
	render := fs.String("render", "stream", "how the server renders the shop's regions: stream (the default) or blocking (streaming off)")
	fs.StringVar(&cfg.redisURL, "redis", "", "measure each adapter a second time with the tracker's visitor store and delivery queue on this Redis (redis://host:port/db), shown as <adapter>+redis")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	for _, name := range strings.Split(*adapter, ",") {
		switch {
		case name == "all":
			cfg.adapters = append(cfg.adapters, adapterNames...)
		case name == plainName || name == naiveName || slices.Contains(adapterNames, name):
			cfg.adapters = append(cfg.adapters, name)
		default:
			err := fmt.Errorf("-adapter %q: want a comma-separated list of %s, all, or the baselines %s and %s",
				*adapter, strings.Join(adapterNames, ", "), plainName, naiveName)
			fmt.Fprintln(stderr, err)
			return cfg, err
		}
	}
	if *page != "shop" && *page != "light" {
		err := fmt.Errorf("-page %q: want shop or light", *page)
		fmt.Fprintln(stderr, err)
		return cfg, err
	}
	cfg.light = *page == "light"
	if *render != "stream" && *render != "blocking" {
		err := fmt.Errorf("-render %q: want stream or blocking", *render)
		fmt.Fprintln(stderr, err)
		return cfg, err
	}
	cfg.blocking = *render == "blocking"
	if slices.Contains(cfg.adapters, naiveName) && !cfg.light {
		err := errors.New("-adapter naive serves only the light page: add -page light")
		fmt.Fprintln(stderr, err)
		return cfg, err
	}
	if slices.Contains(cfg.adapters, naiveName) && cfg.embedded {
		err := errors.New("-adapter naive needs the load's simulator: leave out -embedded")
		fmt.Fprintln(stderr, err)
		return cfg, err
	}
	if cfg.eventUpstream != 0 && cfg.eventUpstream < cfg.upstream {
		err := errors.New("-event-upstream must be at least -upstream (or 0 for the same)")
		fmt.Fprintln(stderr, err)
		return cfg, err
	}
	if cfg.visitors < 1 || cfg.rounds < 1 || cfg.duration <= 0 || cfg.upstream < 0 || cfg.drain < 0 || cfg.think < 0 || cfg.idle < 0 {
		err := errors.New("-visitors and -rounds must be at least 1, -duration positive, -upstream, -think, -drain and -idle not negative")
		fmt.Fprintln(stderr, err)
		return cfg, err
	}
	if u, err := url.Parse(cfg.redisURL); cfg.redisURL != "" && (err != nil || u.Scheme != "redis" && u.Scheme != "rediss") {
		err := fmt.Errorf("-redis %q: want redis://host:port/db", cfg.redisURL)
		fmt.Fprintln(stderr, err)
		return cfg, err
	}
	if cfg.cpuProfile != "" && len(cfg.adapters) > 1 {
		err := errors.New("-cpuprofile needs a single -adapter")
		fmt.Fprintln(stderr, err)
		return cfg, err
	}
	return cfg, nil
}

// run measures every adapter of cfg and prints one line per round to out.
func run(ctx context.Context, cfg config, out io.Writer) ([]result, error) {
	upstream := fmt.Sprintf("%v (events %v)", cfg.upstream, max(cfg.eventUpstream, cfg.upstream))
	if cfg.embedded {
		upstream = "the shop's own simulator"
	}
	fmt.Fprintf(out, "visitors %d%s, think %v, upstream %v, rounds of %v, page %s, event after the page %v\n", cfg.visitors,
		map[bool]string{false: "", true: " (junk)"}[cfg.junk], cfg.think, upstream, cfg.duration,
		map[bool]string{false: "shop", true: "light"}[cfg.light], cfg.event)
	fmt.Fprintf(out, "%-8s %5s %7s %8s %8s %8s %7s %11s %6s %8s %8s %6s %6s %5s %7s %7s  %s\n", "adapter", "round", "pages", "req/s",
		"p50", "p99", "cpu/1k", "allocs/page", "conns", "reached", "replaced", "opened", "ev/s", "maxq", "heap", "rss", "outcomes")
	var all []result
	for _, name := range cfg.adapters {
		stores := []string{""}
		if cfg.redisURL != "" && name != plainName && name != naiveName {
			stores = append(stores, cfg.redisURL) // the same adapter beside, on Redis
		}
		for _, redisURL := range stores {
			res, err := measure(ctx, cfg, name, redisURL, out)
			all = append(all, res...)
			if err != nil {
				return all, fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	return all, nil
}
