package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptrace"
	"sync"
	"time"

	"github.com/gopersonyze/personyze/examples/shop"
)

// crowd is the load's visitors: each has a cookie jar and connections of its own and asks
// for one page after another, as a browser tab does.
type crowd struct {
	base     string
	clients  []*http.Client
	paths    []string
	wg       sync.WaitGroup
	position []int // each visitor's place in paths, kept across rounds
	// junk, when not nil, holds each visitor's random source: its requests then carry
	// random headers and cookies and no cookie jar (every page a new visitor), and one in
	// four asks for a product or article that does not exist (see junkRequest).
	junk []*rand.Rand
}

// chromeUA makes the visitors' requests look like a desktop browser's.
const chromeUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"

func newCrowd(n int, base string, junk bool) *crowd {
	c := &crowd{base: base, position: make([]int, n)}
	cat := shop.NewCatalog()
	// The walk: every product, an article after every third one, the home page after
	// every fourth page; visitor i starts at a different place of it.
	for i, p := range cat.Products() {
		c.paths = append(c.paths, p.URL())
		if i%3 == 2 {
			arts := cat.Articles()
			c.paths = append(c.paths, arts[(i/3)%len(arts)].URL())
		}
		if len(c.paths)%4 == 3 {
			c.paths = append(c.paths, "/")
		}
	}
	for i := range n {
		var jar http.CookieJar
		if junk {
			c.junk = append(c.junk, rand.New(rand.NewPCG(uint64(i), 0x7a6e6b)))
		} else {
			jar, _ = cookiejar.New(nil)
		}
		tr := &http.Transport{MaxIdleConnsPerHost: 2, IdleConnTimeout: time.Minute}
		c.clients = append(c.clients, &http.Client{Jar: jar, Transport: tr, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }})
		c.position[i] = i * 7
	}
	return c
}

// run lets every visitor browse for d, pausing think after each page as a reader does, and
// returns the latencies of the pages answered 200 (to their last byte, which for a page
// whose regions were streamed is when the last region arrived), their times to the first
// byte, and the number of the others.
func (c *crowd) run(ctx context.Context, d, think time.Duration) (latencies, ttfbs []time.Duration, failed int) {
	end := time.Now().Add(d)
	var mu sync.Mutex
	for i, client := range c.clients {
		c.wg.Go(func() {
			var lat, first []time.Duration
			bad := 0
			// With a pause, the visitors start spread over one pause rather than all at
			// once, so that they do not ask for their pages in waves.
			pause(ctx, think*time.Duration(i)/time.Duration(len(c.clients)))
			for time.Now().Before(end) && ctx.Err() == nil {
				path := c.paths[c.position[i]%len(c.paths)]
				c.position[i]++
				start := time.Now()
				var rng *rand.Rand
				if c.junk != nil {
					rng = c.junk[i]
				}
				if ttfb, err := c.get(ctx, client, path, rng); err != nil {
					bad++
				} else {
					lat = append(lat, time.Since(start))
					first = append(first, ttfb)
				}
				pause(ctx, min(think, time.Until(end)))
			}
			mu.Lock()
			latencies = append(latencies, lat...)
			ttfbs = append(ttfbs, first...)
			failed += bad
			mu.Unlock()
		})
	}
	c.wg.Wait()
	return latencies, ttfbs, failed
}

// pause waits d, or less when ctx ends first.
func pause(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// get asks for one page, reads it to the end and returns the time to its first byte; with
// junk (not nil) the request is junkRequest's, for which a 404 is an answer too.
func (c *crowd) get(ctx context.Context, client *http.Client, path string, junk *rand.Rand) (time.Duration, error) {
	notFound := false
	if junk != nil {
		path, notFound = junkPath(junk, path)
	}
	start := time.Now()
	var ttfb time.Duration
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotFirstResponseByte: func() { ttfb = time.Since(start) }})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("User-Agent", chromeUA)
	req.Header.Set("Accept", "text/html") // a browser navigating to a page
	req.Header.Set("Accept-Language", "en-US,en;q=0.9")
	if junk != nil {
		junkHeaders(junk, req.Header)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK && !(notFound && resp.StatusCode == http.StatusNotFound) {
		return 0, fmt.Errorf("%s: status %d", path, resp.StatusCode)
	}
	return ttfb, nil
}

// close drops the visitors' idle connections.
func (c *crowd) close() {
	for _, client := range c.clients {
		client.CloseIdleConnections()
	}
}
