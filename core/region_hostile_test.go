package core

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// hostileRegion is a Region whose fallback (no recommendations yet) writes fallback and
// whose final render (with recommendations) does what final says.
type hostileRegion struct {
	v     *Visit
	final func(w io.Writer) error
}

func (h hostileRegion) Render(_ context.Context, w io.Writer) error {
	if len(h.v.Items()) == 0 {
		_, err := io.WriteString(w, "<p>fallback</p>")
		return err
	}
	return h.final(w)
}

// regionSite replaces sw's site with one whose handler is page, run behind the middleware
// as newStreamWorld's; ended receives the page call's outcome when End has returned.
func regionSite(sw *streamWorld, page func(w http.ResponseWriter, v *Visit)) (ended chan Outcome) {
	ended = make(chan Outcome, 16)
	site := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		ex := sw.tr.Begin(rw, r)
		if ex.Served() {
			return
		}
		defer func() {
			ex.End()
			ex.mu.Lock()
			ended <- ex.call.Outcome
			ex.mu.Unlock()
		}()
		w, r := ex.Wrap(rw), ex.Request()
		v := FromContext(r.Context())
		_ = v.Track(ProductViewed("p1"))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		page(w, v)
	}))
	sw.t.Cleanup(site.Close)
	sw.site = site
	return ended
}

// TestRegionPanicsWhenStreamed: a Region that panics at its final render, at the end of a
// streamed page, leaves its fallback in place; the page ends complete (its held end
// included) and the panic is logged, not thrown out of End.
func TestRegionPanicsWhenStreamed(t *testing.T) {
	logs := &syncBuf{}
	sw := newStreamWorld(t, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
	ended := regionSite(sw, func(w http.ResponseWriter, v *Visit) {
		_, _ = io.WriteString(w, "<!doctype html><html><body><main>")
		_ = v.RenderRegion(w, "bad", hostileRegion{v: v, final: func(io.Writer) error { panic("region bug") }})
		_ = v.RenderRegion(w, "good", hostileRegion{v: v, final: func(w io.Writer) error {
			_, err := io.WriteString(w, "<p>recommended</p>")
			return err
		}})
		_, _ = io.WriteString(w, "</main></body></html>")
	})
	resp := sw.open(sw.visitor(), "/", true)
	br := bufio.NewReader(resp.Body)
	readUntil(t, br, "</main>")
	sw.gate.release()
	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatalf("the streamed page broke off: %v after %q", err, rest)
	}
	tail := string(rest)
	if strings.Contains(tail, `<template for="pz1-bad">`) || !strings.Contains(tail, `<template for="pz2-good"><p>recommended</p></template>`) ||
		!strings.HasSuffix(tail, "</body></html>") {
		t.Errorf("after a panicking region: %q\n%s", tail, logs.String())
	}
	<-ended
	if !strings.Contains(logs.String(), "region bug") {
		t.Errorf("the panic was not logged: %s", logs.String())
	}
}

// TestRegionClientGone: a visitor who leaves while a streamed page waits for Personyze does
// not keep End waiting for the answer (up to StreamBudget): it returns once the request's
// context ends.
func TestRegionClientGone(t *testing.T) {
	sw := newStreamWorld(t, func(c *Config) { c.StreamBudget = time.Minute })
	ended := regionSite(sw, func(w http.ResponseWriter, v *Visit) {
		_, _ = io.WriteString(w, "<!doctype html><html><body><main>")
		_ = v.RenderRegion(w, "r", hostileRegion{v: v, final: func(io.Writer) error { return nil }})
		_, _ = io.WriteString(w, "</main></body></html>")
	})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, sw.site.URL+"/", nil)
	req.Header.Set("User-Agent", fuzzUA)
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	req.Header.Set("Sec-Fetch-Dest", "document")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readUntil(t, bufio.NewReader(resp.Body), "<?end>")
	cancel() // the gate stays closed: only the visitor's leaving can end the wait
	resp.Body.Close()
	select {
	case <-ended:
	case <-time.After(30 * time.Second):
		t.Fatal("End still waits for Personyze after the visitor left")
	}

}

// TestStreamedBytesPreserved: for any writes after a deferred region (however split, with
// "</body" anywhere), the client receives exactly what the handler wrote, plus the streamed
// templates and script before the last "</body".
func TestStreamedBytesPreserved(t *testing.T) {
	pieces := []string{"<p>a</p>", "</body>", "</BODY", "</bo", "dy>", "<script>s='</body>'</script>", "</html>", "\n", "é", strings.Repeat("x", 4096)}
	for seed := range uint64(8) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 1))
			sw := newStreamWorld(t, nil)
			var wrote bytes.Buffer
			regionSite(sw, func(rw http.ResponseWriter, v *Visit) {
				w := io.MultiWriter(rw, &wrote)
				_, _ = io.WriteString(w, "<!doctype html><html><body>")
				_ = v.RenderRegion(w, "r", hostileRegion{v: v, final: func(w io.Writer) error {
					_, err := io.WriteString(w, "<p>recommended</p>")
					return err
				}})
				for range 1 + rng.IntN(12) {
					_, _ = io.WriteString(w, pieces[rng.IntN(len(pieces))])
				}
			})
			resp := sw.open(sw.visitor(), "/", true)
			br := bufio.NewReader(resp.Body)
			head := readUntil(t, br, "<?end>")
			sw.gate.release()
			rest, err := io.ReadAll(br)
			if err != nil {
				t.Fatal(err)
			}
			got := head + string(rest)
			start := strings.Index(got, `<template for="pz1-r">`)
			end := strings.Index(got[max(start, 0):], "</script>")
			if start < 0 || end < 0 {
				t.Fatalf("no streamed region: %q", clip(got))
			}
			end += start + len("</script>")
			if plain := got[:start] + got[end:]; plain != wrote.String() {
				t.Fatalf("received, without the streamed part:\n%q\nwrote:\n%q", clip(plain), clip(wrote.String()))
			}
			at := lastIndexFold(wrote.Bytes(), bodyEnd)
			if at < 0 {
				at = wrote.Len() - partialSuffix(wrote.Bytes(), bodyEnd)
			}
			if start != at {
				t.Errorf("streamed at %d, want before the last %q at %d: %q", start, bodyEnd, at, clip(got))
			}
		})
	}
}

// clip shortens the runs of x of a test page for messages.
func clip(s string) string { return strings.ReplaceAll(s, strings.Repeat("x", 4096), "x…") }

// TestRegionsAllStreamed: every region of a page is streamed, not only the first (the
// header goes out with the first one's fallback), each under its own id, whatever its name
// (the same name twice, quotes, "--", "?>", non-ASCII, very long): the id in the marker and
// in <template for> is the same, and needs no escaping.
func TestRegionsAllStreamed(t *testing.T) {
	names := []string{"recs", "recs", `x"><script>alert(1)</script>`, "--!>?>", "推荐", strings.Repeat("long", 100)}
	sw := newStreamWorld(t, nil)
	regionSite(sw, func(w http.ResponseWriter, v *Visit) {
		_, _ = io.WriteString(w, "<!doctype html><html><body><main>")
		for i, name := range names {
			_, _ = fmt.Fprintf(w, "<div>")
			_ = v.RenderRegion(w, name, hostileRegion{v: v, final: func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "<p>region %d</p>", i)
				return err
			}})
			_, _ = fmt.Fprintf(w, "</div>")
		}
		_, _ = io.WriteString(w, "</main></body></html>")
	})
	resp := sw.open(sw.visitor(), "/", true)
	br := bufio.NewReader(resp.Body)
	shell := readUntil(t, br, "</main>")
	sw.gate.release()
	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for i := range names {
		_, after, _ := strings.Cut(shell, fmt.Sprintf(`<?start name="pz%d`, i+1))
		id, _, _ := strings.Cut(after, `"`)
		id = fmt.Sprintf("pz%d", i+1) + id
		if ids[id] || strings.ContainsAny(id, "<>'&?!- ") && !strings.HasPrefix(strings.TrimPrefix(id, fmt.Sprintf("pz%d", i+1)), "-") || len(id) > 40 {
			t.Errorf("region %d: id %q (reused, too long, or needs escaping)", i, id)
		}
		ids[id] = true
		if want := fmt.Sprintf(`<?start name="%s"><p>fallback</p><?end>`, id); !strings.Contains(shell, want) {
			t.Errorf("region %d: no %s in the shell %q", i, want, shell)
		}
		if want := fmt.Sprintf(`<template for="%s"><p>region %d</p></template>`, id, i); !strings.Contains(string(rest), want) {
			t.Errorf("region %d: no %s in the end %q", i, want, rest)
		}
	}
}

// failingRegion's fallback writes part of itself and fails; its final render succeeds.
type failingRegion struct{ v *Visit }

func (f failingRegion) Render(_ context.Context, w io.Writer) error {
	if len(f.v.Items()) == 0 {
		_, _ = io.WriteString(w, "<p>part")
		return errors.New("fallback failed")
	}
	_, err := io.WriteString(w, "<p>recommended</p>")
	return err
}

// TestRegionFallbackFails: a region whose fallback fails (its error returned to a handler
// that goes on, as a templ component's may) still closes its markers, so that the swap
// replaces only the region and not the rest of its parent; its final render is streamed.
func TestRegionFallbackFails(t *testing.T) {
	sw := newStreamWorld(t, nil)
	errs := make(chan error, 1)
	regionSite(sw, func(w http.ResponseWriter, v *Visit) {
		_, _ = io.WriteString(w, "<!doctype html><html><body><main><div>")
		errs <- v.RenderRegion(w, "r", failingRegion{v})
		_, _ = io.WriteString(w, "<p>after</p></div></main></body></html>")
	})
	resp := sw.open(sw.visitor(), "/", true)
	br := bufio.NewReader(resp.Body)
	shell := readUntil(t, br, "</main>")
	sw.gate.release()
	rest, _ := io.ReadAll(br)
	if err := <-errs; err == nil || !strings.Contains(err.Error(), "fallback failed") {
		t.Errorf("RenderRegion = %v, want the fallback's error", err)
	}
	if !strings.Contains(shell, `<?start name="pz1-r"><p>part<?end><p>after</p>`) {
		t.Errorf("the failed fallback's markers are not closed: %q", shell)
	}
	if !strings.Contains(string(rest), `<template for="pz1-r"><p>recommended</p></template>`) {
		t.Errorf("the region was not streamed: %q", rest)
	}
}

// TestRegionTrackerClose: Close while a page streams (Personyze not answering) ends the
// page within Close's deadline: the fallback stays, the response is complete.
func TestRegionTrackerClose(t *testing.T) {
	sw := newStreamWorld(t, func(c *Config) { c.StreamBudget = time.Minute })
	ended := regionSite(sw, func(w http.ResponseWriter, v *Visit) {
		_, _ = io.WriteString(w, "<!doctype html><html><body><main>")
		_ = v.RenderRegion(w, "r", hostileRegion{v: v, final: func(io.Writer) error { return nil }})
		_, _ = io.WriteString(w, "</main></body></html>")
	})
	resp := sw.open(sw.visitor(), "/", true)
	br := bufio.NewReader(resp.Body)
	readUntil(t, br, "<?end>")
	closed := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		closed <- sw.tr.Close(ctx)
	}()
	rest, err := io.ReadAll(br) // the gate stays closed
	if err != nil || !strings.HasSuffix(string(rest), "</main></body></html>") || strings.Contains(string(rest), "<template") {
		t.Errorf("after Close: %q, %v", rest, err)
	}
	select {
	case <-ended:
	case <-time.After(30 * time.Second):
		t.Fatal("End did not return after Close")
	}
	<-closed
}

// nestedRegion renders the region inner inside its own content.
type nestedRegion struct {
	v     *Visit
	inner Region
}

func (n nestedRegion) Render(_ context.Context, w io.Writer) error {
	_, _ = io.WriteString(w, "<h2>outer</h2>")
	return n.v.RenderRegion(w, "inner", n.inner)
}

// TestRegionNested: a region inside a region streams as one: the outer one's fallback
// holds the inner one's fallback without markers of its own (the swap of the outer would
// stop at the inner one's end marker), and only the outer one is streamed, the inner one
// rendered in it.
func TestRegionNested(t *testing.T) {
	sw := newStreamWorld(t, nil)
	regionSite(sw, func(w http.ResponseWriter, v *Visit) {
		_, _ = io.WriteString(w, "<!doctype html><html><body><main>")
		inner := hostileRegion{v: v, final: func(w io.Writer) error {
			_, err := io.WriteString(w, "<p>recommended</p>")
			return err
		}}
		_ = v.RenderRegion(w, "outer", nestedRegion{v: v, inner: inner})
		_, _ = io.WriteString(w, "</main></body></html>")
	})
	resp := sw.open(sw.visitor(), "/", true)
	br := bufio.NewReader(resp.Body)
	shell := readUntil(t, br, "</main>")
	sw.gate.release()
	rest, _ := io.ReadAll(br)
	if want := `<main><?start name="pz1-outer"><h2>outer</h2><p>fallback</p><?end></main>`; !strings.Contains(shell, want) {
		t.Errorf("shell %q, want %q", shell, want)
	}
	if n := strings.Count(string(rest), "<template"); n != 1 || !strings.Contains(string(rest), `<template for="pz1-outer"><h2>outer</h2><p>recommended</p></template>`) {
		t.Errorf("%d templates streamed, want the outer one with the inner one in it: %q", n, rest)
	}
}

// TestRegionHTTP10: an HTTP/1.0 client (no chunked encoding: the end of the body is the
// end of the connection) gets the shell first, then the region and the held end, complete;
// a handler that flushes after its region changes nothing.
func TestRegionHTTP10(t *testing.T) {
	sw := newStreamWorld(t, nil)
	regionSite(sw, func(w http.ResponseWriter, v *Visit) {
		_, _ = io.WriteString(w, "<!doctype html><html><body><main>")
		_ = v.RenderRegion(w, "r", hostileRegion{v: v, final: func(w io.Writer) error {
			_, err := io.WriteString(w, "<p>recommended</p>")
			return err
		}})
		_, _ = io.WriteString(w, "</main></body></html>")
		http.NewResponseController(w).Flush() // the shell; the end stays held
	})
	conn, err := net.Dial("tcp", strings.TrimPrefix(sw.site.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "GET / HTTP/1.0\r\nUser-Agent: "+fuzzUA+"\r\nAccept: text/html\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-Dest: document\r\n\r\n")
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(conn)
	shell := readUntil(t, br, "</main>")
	if !strings.HasPrefix(shell, "HTTP/1.0 200") || strings.Contains(shell, "chunked") || !strings.Contains(shell, `<?start name="pz1-r"><p>fallback</p><?end>`) {
		t.Fatalf("shell %q", shell)
	}
	sw.gate.release()
	rest, err := io.ReadAll(br)
	if err != nil || !strings.HasPrefix(string(rest), `<template for="pz1-r"><p>recommended</p></template>`) || !strings.HasSuffix(string(rest), "</body></html>") {
		t.Errorf("end %q, %v", rest, err)
	}
}

// TestRegionHijacked: a handler that hijacks the connection after a region was deferred
// owns the connection: End neither waits for Personyze (up to StreamBudget) nor writes the
// region to it.
func TestRegionHijacked(t *testing.T) {
	sw := newStreamWorld(t, func(c *Config) { c.StreamBudget = time.Minute })
	ended := regionSite(sw, func(w http.ResponseWriter, v *Visit) {
		var b strings.Builder
		_ = v.RenderRegion(&b, "r", hostileRegion{v: v, final: func(io.Writer) error { return nil }})
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		defer conn.Close()
		_, _ = brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
		_ = brw.Flush()
	})
	resp := sw.open(sw.visitor(), "/", true)
	if b, _ := io.ReadAll(resp.Body); string(b) != "ok" {
		t.Errorf("body %q", b)
	}
	var outcome Outcome
	select {
	case outcome = <-ended:
	case <-time.After(30 * time.Second):
		t.Fatal("End waits for Personyze on a hijacked connection")
	}
	if outcome != OutcomePending { // the gate is closed: the call ends only when it gives up
		t.Errorf("End returned after the page's call ended (%v): it waited for it", outcome)
	}
}
