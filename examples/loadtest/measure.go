package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// result is one adapter's round.
type result struct {
	Adapter        string
	Round          int
	Pages          int           // pages answered 200
	Errors         int           // pages that failed or answered another status
	PerSecond      float64       // pages per second
	P50, P99       time.Duration // page latency minus the upstream latency (plain, which calls no upstream: its latency)
	TTFB50, TTFB99 time.Duration // time to the page's first byte
	Last50, Last99 time.Duration // time to the page's last byte: a streamed page's regions are in place then
	CPUPer1k       time.Duration // server CPU per 1,000 pages
	AllocsPerPage  float64       // server heap allocations per page
	NewConns       uint64        // TCP connections the server opened to the simulator
	Reached        float64       // share of pages whose call reached the simulator (round + drain); -1 for plain
	Replaced       uint64        // calls carrying a replaced session id (round + drain)
	BreakerOpening uint64        // breaker openings (round + drain)
	HeapInUse      uint64        // server's live heap after the round, the drain and -idle, collected
	RSS            uint64        // server's resident memory then; 0 where not measured
	Background     float64       // events per second reaching the simulator in calls without a page view, during the round
	MaxQueue       int           // the largest delivery queue depth seen during the round
	QueueFull      uint64        // commands dropped because the delivery queue was full (round + drain)
	Outcomes       map[string]uint64
}

// measure runs cfg.rounds rounds against one adapter's server process.
func measure(ctx context.Context, cfg config, adapter, redisURL string, out io.Writer) ([]result, error) {
	up, err := newUpstream(cfg.upstream, max(cfg.eventUpstream-cfg.upstream, 0))
	if err != nil {
		return nil, err
	}
	defer up.close()
	srv, err := startServer(ctx, cfg, adapter, redisURL, up)
	if err != nil {
		return nil, err
	}
	defer srv.stop()

	crowd := newCrowd(cfg.visitors, "http://"+srv.addr, cfg.junk)
	defer crowd.close()
	var results []result
	for round := 1; round <= cfg.rounds; round++ {
		before, err := srv.stats()
		if err != nil {
			return results, err
		}
		u0 := up.counts()
		watch := srv.watchQueue()
		lat, ttfb, failed := crowd.run(ctx, cfg.duration, cfg.think)
		maxQueue := watch()
		uEnd := up.counts()
		if err := ctx.Err(); err != nil {
			return results, err
		}
		atEnd, err := srv.stats()
		if err != nil {
			return results, err
		}
		// The drain: calls the server still holds (queued page views, retries) get up to
		// cfg.drain to reach the simulator.
		pages := len(lat)
		deadline := time.Now().Add(cfg.drain)
		after := atEnd
		for {
			if after, err = srv.stats(); err != nil {
				return results, err
			}
			reached := cfg.embedded || up.counts().navigates-u0.navigates >= uint64(pages)
			if adapter == plainName || after.Pending == 0 && reached ||
				time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		u1 := up.counts()
		label := adapter
		if redisURL != "" {
			label += "+redis"
		}
		r := result{Adapter: label, Round: round, Pages: pages, Errors: failed,
			PerSecond: float64(pages) / cfg.duration.Seconds(), NewConns: u1.accepts - u0.accepts,
			Replaced: u1.replaced - u0.replaced, BreakerOpening: after.BreakerOpenings - before.BreakerOpenings,
			Background: float64(uEnd.events-u0.events) / cfg.duration.Seconds(), MaxQueue: maxQueue,
			QueueFull: after.Dropped["queue_full"] - before.Dropped["queue_full"], Outcomes: map[string]uint64{}}
		if pages > 0 {
			slices.Sort(lat)
			upstream := cfg.upstream
			if adapter == plainName {
				upstream = 0 // the plain baseline calls nothing
			}
			r.P50 = max(lat[pages/2]-upstream, 0)
			r.P99 = max(lat[min(pages*99/100, pages-1)]-upstream, 0)
			slices.Sort(ttfb)
			r.TTFB50, r.TTFB99 = ttfb[pages/2], ttfb[min(pages*99/100, pages-1)]
			r.Last50, r.Last99 = lat[pages/2], lat[min(pages*99/100, pages-1)]
			r.CPUPer1k = (atEnd.CPU - before.CPU) * 1000 / time.Duration(pages)
			r.AllocsPerPage = float64(atEnd.Allocs-before.Allocs) / float64(pages)
			r.Reached = float64(u1.navigates-u0.navigates) / float64(pages)
		}
		if adapter == plainName || cfg.embedded {
			r.Reached = -1 // plain makes no tracker calls; embedded ones do not reach the load's simulator
		}
		pause(ctx, cfg.idle)
		mem, err := srv.memory()
		if err != nil {
			return results, err
		}
		r.HeapInUse, r.RSS = mem.HeapInUse, mem.RSS
		for k, v := range atEnd.Outcomes {
			if d := v - before.Outcomes[k]; d > 0 {
				r.Outcomes[k] = d
			}
		}
		results = append(results, r)
		fmt.Fprintln(out, r.line())
		if cfg.regions {
			fmt.Fprintln(out, r.regionsLine(cfg))
		}
	}
	return results, nil
}

// line is the result as one row of the report.
func (r result) line() string {
	var oc []string
	for _, k := range slices.Sorted(maps.Keys(r.Outcomes)) {
		if k != "ok" {
			oc = append(oc, fmt.Sprintf("%s %d", k, r.Outcomes[k]))
		}
	}
	if r.QueueFull > 0 {
		oc = append(oc, fmt.Sprintf("queue_full %d", r.QueueFull))
	}
	if r.Errors > 0 {
		oc = append(oc, fmt.Sprintf("failed pages %d", r.Errors))
	}
	reached := fmt.Sprintf("%.1f%%", 100*r.Reached)
	if r.Reached < 0 {
		reached = "-"
	}
	return fmt.Sprintf("%-8s %5d %7d %8.0f %8s %8s %7.3f %11.0f %6d %8s %8d %6d %6.1f %5d %7s %7s  %s", r.Adapter, r.Round, r.Pages,
		r.PerSecond, ms(r.P50), ms(r.P99), r.CPUPer1k.Seconds(), r.AllocsPerPage, r.NewConns, reached,
		r.Replaced, r.BreakerOpening, r.Background, r.MaxQueue, mb(r.HeapInUse), mb(r.RSS), strings.Join(oc, ", "))
}

// regionsLine is the round's times to the first and the last byte (-regions).
func (r result) regionsLine(cfg config) string {
	render := "stream"
	if cfg.blocking {
		render = "blocking"
	}
	if r.Adapter == plainName {
		render = "-"
	}
	return fmt.Sprintf("%-8s %5d  render %-8s upstream %-7v ttfb p50 %8s p99 %8s  last p50 %8s p99 %8s  cpu/page %6.0fµs",
		r.Adapter, r.Round, render, cfg.upstream, ms(r.TTFB50), ms(r.TTFB99), ms(r.Last50), ms(r.Last99),
		float64(r.CPUPer1k.Microseconds())/1000)
}

// mb prints bytes in MB, "-" for 0 (not measured).
func mb(n uint64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fMB", float64(n)/1e6)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

// server is a running server process.
type server struct {
	cmd   *exec.Cmd
	stdin io.Closer
	addr  string // the shop
	ctl   string // the control address: GET returns serverStats
	done  chan error
}

// startServer starts this program again as the shop behind adapter (see serveMain).
func startServer(ctx context.Context, cfg config, adapter, redisURL string, up *upstream) (*server, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), serveEnv+"="+adapter, "ADDR=127.0.0.1:0", "PERSONYZE_REDIS_URL="+redisURL)
	if cfg.embedded { // no API key: the shop starts its own simulator, as the examples do
		cmd.Env = append(cmd.Env, "PERSONYZE_API_KEY=", "PERSONYZE_API_URL=", "PERSONYZE_SESSION_KEYS=")
	} else { // with an API key the shop runs as in production
		cmd.Env = append(cmd.Env, "PERSONYZE_API_KEY="+up.sim.APIKey(), "PERSONYZE_API_URL="+up.url,
			"PERSONYZE_SESSION_KEYS="+sessionKeys)
	}
	if cfg.light {
		cmd.Env = append(cmd.Env, pageEnv+"=light")
	}
	if cfg.event {
		cmd.Env = append(cmd.Env, eventEnv+"=1")
	}
	if cfg.blocking {
		cmd.Env = append(cmd.Env, "PERSONYZE_NO_STREAMING=1")
	}
	if cfg.cpuProfile != "" {
		cmd.Env = append(cmd.Env, cpuProfileEnv+"="+cfg.cpuProfile)
	}
	if cfg.verbose {
		cmd.Stderr = os.Stderr
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, stdin: stdin, done: make(chan error, 1)}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "ready ") {
				lines <- sc.Text()
			}
		}
		close(lines)
		s.done <- cmd.Wait()
	}()
	select {
	case line, ok := <-lines:
		if !ok {
			return nil, fmt.Errorf("server process ended before listening: %v", <-s.done)
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			s.stop()
			return nil, fmt.Errorf("server process: unexpected %q", line)
		}
		s.addr, s.ctl = f[1], f[2]
		return s, nil
	case <-time.After(30 * time.Second):
	case <-ctx.Done():
	}
	s.stop()
	return nil, fmt.Errorf("server process did not start listening")
}

// stats reads the server's counters.
func (s *server) stats() (serverStats, error) { return s.read("/") }

// memory reads the server's counters after it has collected its garbage.
func (s *server) memory() (serverStats, error) { return s.read("/?gc") }

func (s *server) read(path string) (serverStats, error) {
	var st serverStats
	resp, err := http.Get("http://" + s.ctl + path)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// queuePoll is how often watchQueue reads the server's delivery queue depth.
const queuePoll = 50 * time.Millisecond

// watchQueue reads the server's delivery queue depth every queuePoll until the returned
// function is called, which returns the largest depth seen.
func (s *server) watchQueue() func() int {
	stop := make(chan struct{})
	most := make(chan int, 1)
	go func() {
		highest := 0
		t := time.NewTicker(queuePoll)
		defer t.Stop()
		for {
			select {
			case <-stop:
				most <- highest
				return
			case <-t.C:
				if st, err := s.stats(); err == nil {
					highest = max(highest, st.QueueDepth)
				}
			}
		}
	}()
	return func() int {
		close(stop)
		return <-most
	}
}

// stop closes the server's stdin, which makes it shut down and deliver what it holds,
// and kills it if it has not ended within its own shutdown bounds.
func (s *server) stop() {
	_ = s.stdin.Close()
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}
