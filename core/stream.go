package core

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Streaming of personalized regions (see "Regions" in the package documentation). A region
// waits for the page's call at most Config.InlineWait (one deadline for the whole page,
// set by its first region); answered by then, it renders in place as any template does.
// Otherwise the region is deferred: its fallback (the region rendered before the answer,
// whose reads of recommendations return nothing instead of waiting) goes out between the
// markers <?start name="ID"> and <?end>, and the Visit holds the end of the body back
// (from "</body"; Exchange.WriteBody). End then flushes the shell, waits for the answer (the
// call's budget grows to Config.StreamBudget, see extendForStream), and writes each region as
// <template for="ID">, the stream script, and the held end of the body.

// streamState is what a page's regions need. Guarded by Visit.mu.
type streamState struct {
	deadline time.Time // the end of the inline wait, set by the page's first region
	n        int       // regions seen, for their ids
	deferred []deferredRegion
	extended bool   // the page's call waits up to Config.StreamBudget
	found    bool   // tail starts with "</body": everything written after it is held too
	tail     []byte // the held end of the body
	pre      []byte // the body kept while the call is in flight (keepBody)
	// preString: the first kept bytes came from a WriteString.
	preString bool
	fallbacks int // regions whose fallback is being rendered (fallbackDepth)
}

// deferredRegion is a region whose content goes at the end of the response.
type deferredRegion struct {
	id string
	r  Region
}

// RenderRegion writes the personalized region r of the page to w: in place when the page's
// call has answered within Config.InlineWait (or cannot stream: see below), else its
// fallback, with r rendered again at the end of the response once the call answers (see
// Regions in the package documentation). name says what the region is, in the markup and
// in logs. The template function personyzeRegion calls it; call it directly for content that
// is not an html/template (a templ component is a Region).
//
// A Visit that is not a tracked page view (a bot, a request that is not a page view, no
// consent, Skip, no middleware), a page whose header was already sent, a response writer
// that cannot flush, and Config.StreamBudget < 0 render r in place, waiting for the call as
// reading recommendations does. Safe on a nil Visit.
func (v *Visit) RenderRegion(w io.Writer, name string, r Region) error {
	if r == nil {
		return errNilRegion
	}
	if v == nil || !v.mayStream() {
		return r.Render(v.context(), w)
	}
	ctx := v.r.Context()
	v.Start()
	if v.answeredInline(ctx) {
		return r.Render(ctx, w)
	}
	id := v.deferRegion(name, r)
	if id == "" { // answered meanwhile
		return r.Render(ctx, w)
	}
	if _, err := io.WriteString(w, `<?start name="`+id+`">`); err != nil {
		return err
	}
	// The end marker even when the fallback failed: without it the swap would replace
	// everything after the region in its parent.
	v.fallbackDepth(1)
	err := func() error { defer v.fallbackDepth(-1); return r.Render(ctx, w) }()
	if _, werr := io.WriteString(w, "<?end>"); err == nil {
		err = werr
	}
	return err
}

// fallbackDepth adds d to the regions whose fallback is being rendered. A region inside one
// renders in place (its fallback, without markers): the outer region is streamed whole, with
// it, and the swap of the outer one would stop at an inner end marker.
func (v *Visit) fallbackDepth(d int) {
	v.mu.Lock()
	v.stream.fallbacks += d
	v.mu.Unlock()
}

// errNilRegion is RenderRegion's error for a nil Region.
var errNilRegion = errors.New("personyze: RenderRegion: nil Region")

// context returns the request's context, or Background for a Visit without request.
func (v *Visit) context() context.Context {
	if v != nil && v.r != nil {
		return v.r.Context()
	}
	return context.Background()
}

// mayStream reports whether a region of this Visit may be deferred.
func (v *Visit) mayStream() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	// phaseStreaming: an earlier region of the page was deferred and sent the header; this
	// one streams too (rendered in place, it would keep its fallback for good).
	if v.mode != modeActive || v.ctl.stop != stopNone || v.t.cfg.StreamBudget < 0 || v.phase > phaseStreaming || v.w == nil {
		return false
	}
	if k, _ := v.pageKind(); k != KindPage || (v.stream != nil && v.stream.fallbacks > 0) {
		return false
	}
	return flushable(v.w)
}

// answeredInline waits for the page's call until the page's inline deadline and reports
// whether it answered (or there is nothing to wait for).
func (v *Visit) answeredInline(ctx context.Context) bool {
	v.mu.Lock()
	st := v.streamState()
	if st.deadline.IsZero() {
		st.deadline = time.Now().Add(v.t.cfg.InlineWait)
	}
	called, deadline := v.called, st.deadline
	v.mu.Unlock()
	if called == nil {
		return true
	}
	select {
	case <-called:
		return true
	default:
	}
	d := time.Until(deadline)
	if d <= 0 {
		return false
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-called:
		return true
	case <-timer.C:
		return false
	case <-ctx.Done():
		return true // the visitor left: nothing to stream to; the reads do not wait either
	}
}

// streamState returns v.stream, creating it. Callers hold v.mu.
func (v *Visit) streamState() *streamState {
	if v.stream == nil {
		v.stream = &streamState{}
	}
	return v.stream
}

// deferRegion records r for the end of the response and returns its id, or "" when the
// call has answered meanwhile (render in place).
func (v *Visit) deferRegion(name string, r Region) string {
	v.mu.Lock()
	select {
	case <-v.called:
		v.mu.Unlock()
		return ""
	default:
	}
	st := v.streamState()
	st.n++
	id := "pz" + strconv.Itoa(st.n) + regionSlug(name)
	st.deferred = append(st.deferred, deferredRegion{id: id, r: r})
	v.ctl.read = true // the response will carry recommendations: private (commit)
	first := len(st.deferred) == 1
	v.mu.Unlock()
	if first {
		v.holding.Store(true)
		// A buffering reverse proxy (nginx) would hold the shell until the end.
		v.w.Header().Set("X-Accel-Buffering", "no")
	}
	return id
}

// regionSlug is "-name" with only the characters that need no escaping anywhere (an
// attribute, a comment, a selector), or "" when name has none.
func regionSlug(name string) string {
	var b strings.Builder
	for i := 0; i < len(name) && b.Len() < 32; i++ {
		switch c := name[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
			if b.Len() == 0 {
				b.WriteByte('-')
			}
			b.WriteByte(c)
		}
	}
	return b.String()
}

// streaming reports whether a region was deferred and the call has not answered: the
// header goes out before the answer and reads do not wait. Callers hold v.mu.
func (v *Visit) streaming() bool {
	if v.stream == nil || len(v.stream.deferred) == 0 || v.called == nil {
		return false
	}
	select {
	case <-v.called:
		return false
	default:
		return true
	}
}

// extendForStream is asked by makeCall when Config.Timeout has passed: it returns how much
// longer the call may be awaited (up to Config.StreamBudget after start) when a region of
// the page waits for it, else 0.
func (v *Visit) extendForStream(start, now time.Time) time.Duration {
	v.mu.Lock()
	defer v.mu.Unlock()
	st := v.stream
	if st == nil || len(st.deferred) == 0 || st.extended {
		return 0
	}
	st.extended = true
	return max(start.Add(v.t.cfg.StreamBudget).Sub(now), 0)
}

// callBudget is how long the page's call is awaited: Config.Timeout, or StreamBudget once
// a streamed region waits for it.
func (v *Visit) callBudget() time.Duration {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.stream != nil && v.stream.extended {
		return v.t.cfg.StreamBudget
	}
	return v.t.cfg.Timeout
}

// WriteBody writes b, a part of the response body, to w, the writer under the adapter's
// hook, calling BeforeHeader(status) first when the header is still unsent (status as for
// BeforeHeader). Wrap's writer calls it; an adapter with its own writer (ginadapter) calls
// it from its Write, and with b nil before a Flush or Hijack and from End.
//
// It is what lets a page go out before Personyze answers (see Regions in the package
// documentation). While a tracked page view's call is in flight, the first bytes of its body
// are kept in memory (up to maxPreBody) instead of waiting for the call: the handler goes
// on rendering. Once the call has answered, or a region was deferred, or the handler
// flushes or returns, the header goes out and the kept bytes with it, in order; a page
// without regions thus sends exactly what it sent before. Once a region was deferred it
// holds the end of the body back (from "</body"), so that End streams the regions before
// it and the page stays valid HTML.
func (e *Exchange) WriteBody(w io.Writer, status int, b []byte) (int, error) {
	return e.writeBody(w, status, b)
}

// writeBody is WriteBody for bytes.
func (e *Exchange) writeBody(w io.Writer, status int, b []byte) (int, error) {
	v := (*Visit)(e)
	if v.sent.Load() && !v.holding.Load() {
		if len(b) == 0 {
			return 0, nil
		}
		return w.Write(b) // the common case, without the lock
	}
	if len(b) > 0 && v.keepBody(status, b, "") {
		return len(b), nil
	}
	if err := e.sendHeader(w, status); err != nil {
		return 0, err
	}
	if len(b) == 0 {
		return 0, nil
	}
	return v.writeShell(w, b)
}

// sendHeader calls BeforeHeader(status) and writes the body kept while the call was in
// flight, if any, to w.
func (e *Exchange) sendHeader(w io.Writer, status int) error {
	v := (*Visit)(e)
	e.BeforeHeader(status)
	if pre, str := v.takePreBody(); len(pre) > 0 {
		// In the form the handler wrote its first bytes: a writer may tell the two apart.
		var err error
		if sw, ok := w.(io.StringWriter); ok && str && !v.holding.Load() {
			_, err = sw.WriteString(string(pre))
		} else {
			_, err = v.writeShell(w, pre)
		}
		return err
	}
	return nil
}

// WriteBodyString is WriteBody for a string.
func (e *Exchange) WriteBodyString(w io.StringWriter, status int, s string) (int, error) {
	v := (*Visit)(e)
	if v.sent.Load() && !v.holding.Load() {
		return w.WriteString(s)
	}
	if s != "" && v.keepBody(status, nil, s) {
		return len(s), nil
	}
	ww, ok := w.(io.Writer)
	if !ok {
		ww = stringWriter{w}
	}
	if err := e.sendHeader(ww, status); err != nil {
		return 0, err
	}
	if s == "" {
		return 0, nil
	}
	if !v.holding.Load() {
		return w.WriteString(s) // no copy: a page's writes as strings cost what they did
	}
	return v.holdTail(ww, []byte(s))
}

// Held returns how many bytes of the body the handler wrote that WriteBody holds for now
// (kept while the call is in flight, or the end of a streamed page): an adapter whose
// framework reports what was written (Gin's Written and Size) counts them.
func (e *Exchange) Held() int {
	v := (*Visit)(e)
	if v.sent.Load() && !v.holding.Load() {
		return 0
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.stream == nil {
		return 0
	}
	return len(v.stream.pre) + len(v.stream.tail)
}

// maxPreBody bounds the body kept in memory while the call is in flight: past it the page
// waits for the call as it did before streaming.
const maxPreBody = 512 << 10

// keepBody keeps b, or s (written as a string), in memory when the header is unsent, the
// page may stream and its call has not answered (starting the call when nothing did);
// false when they must be written now.
func (v *Visit) keepBody(status int, b []byte, s string) bool {
	str := b == nil
	v.mu.Lock()
	st := v.stream
	switch {
	case v.mode != modeActive || v.ctl.stop != stopNone || v.t.cfg.StreamBudget < 0 || v.headerSent():
		v.mu.Unlock()
		return false
	case st != nil && len(st.deferred) > 0:
		v.mu.Unlock()
		return false // a region was deferred: the header goes out now, without waiting
	case st != nil && len(st.pre)+len(b)+len(s) > maxPreBody:
		v.mu.Unlock()
		return false
	}
	if v.called != nil {
		select {
		case <-v.called:
			v.mu.Unlock()
			return false
		default:
		}
	}
	if st == nil || st.pre == nil {
		// The first byte of the body: keep it only for a page view that can stream.
		if v.phase == phaseOpen {
			s := status
			if s == 0 {
				s = cmpOr(v.ctl.status, http.StatusOK)
			}
			if k, _ := v.pageKind(); k != KindPage || notPageResponse(s, v.w.Header()) != "" {
				v.mu.Unlock()
				return false
			}
			if status != 0 {
				v.ctl.status = status
			}
		} else if v.kind != KindPage {
			v.mu.Unlock()
			return false
		}
		if v.w == nil || !flushable(v.w) {
			v.mu.Unlock()
			return false
		}
		st = v.streamState()
	}
	if st.pre == nil {
		st.preString = str
	}
	st.pre = append(append(st.pre, b...), s...)
	start := v.phase == phaseOpen
	v.mu.Unlock()
	if start {
		v.Start() // the call overlaps the rest of the rendering
	}
	return true
}

// cmpOr returns a, or b when a is 0.
func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// takePreBody returns the body kept by keepBody, and whether its first part was written as
// a string; it forgets them.
func (v *Visit) takePreBody() ([]byte, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.stream == nil {
		return nil, false
	}
	pre, str := v.stream.pre, v.stream.preString
	v.stream.pre, v.stream.preString = nil, false
	return pre, str
}

// writeShell writes b, holding the end of the body back once a region was deferred.
func (v *Visit) writeShell(w io.Writer, b []byte) (int, error) {
	if !v.holding.Load() {
		return w.Write(b)
	}
	return v.holdTail(w, b)
}

// stringWriter writes through an io.StringWriter.
type stringWriter struct{ w io.StringWriter }

func (s stringWriter) Write(b []byte) (int, error) { return s.w.WriteString(string(b)) }

// holdTail writes what comes before the last "</body" written so far and holds the rest
// (and a partial "</body" at the end of b, which the next write may complete). A "</body"
// that a later one follows (in a script's string, a comment, an attribute) goes out: the
// regions go before the page's own, the last one.
func (v *Visit) holdTail(w io.Writer, b []byte) (int, error) {
	v.mu.Lock()
	st := v.stream
	data, from := b, 0
	if len(st.tail) > 0 {
		data = append(st.tail, b...)
		// The held bytes were searched already: only a "</body" that b completes or holds
		// is new, and the one the tail starts with (when found) is not.
		from = max(len(st.tail)-len(bodyEnd)+1, 0)
		if st.found {
			from = max(from, 1)
		}
	}
	var out []byte
	if i := lastIndexFold(data[from:], bodyEnd); i >= 0 {
		i += from
		out, st.tail, st.found = data[:i], append([]byte(nil), data[i:]...), true
	} else if st.found {
		st.tail = data // tail and b appended: found implies a tail, so data is not b
	} else {
		k := partialSuffix(data, bodyEnd)
		out, st.tail = data[:len(data)-k], append([]byte(nil), data[len(data)-k:]...)
	}
	v.mu.Unlock()
	if len(out) > 0 {
		if _, err := w.Write(out); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// bodyEnd starts what a streaming page holds back.
const bodyEnd = "</body"

// lastIndexFold is the index of the last ASCII-case-insensitive occurrence of sub in b, or -1.
func lastIndexFold(b []byte, sub string) int {
	for i := len(b) - len(sub); i >= 0; i-- {
		if b[i] == '<' && strings.EqualFold(string(b[i:i+len(sub)]), sub) {
			return i
		}
	}
	return -1
}

// partialSuffix is the length of the longest end of b (shorter than sub) that starts sub.
func partialSuffix(b []byte, sub string) int {
	for k := min(len(sub)-1, len(b)); k > 0; k-- {
		if strings.EqualFold(string(b[len(b)-k:]), sub[:k]) {
			return k
		}
	}
	return 0
}

// endStream finishes a page whose regions were deferred: it sends the shell, waits for the
// call (which ends by Config.StreamBudget, or when the visitor leaves), writes each region
// in a <template for>, the stream script and the held end of the body. Past the budget, or
// when the call failed without stale recommendations, only the end of the body: the
// fallbacks stay. Called by End, before the Visit ends (the regions' reports then ride on
// the visitor's next call like every page's).
func (v *Visit) endStream() {
	v.mu.Lock()
	st := v.stream
	if st == nil || len(st.deferred) == 0 {
		v.mu.Unlock()
		return
	}
	regions, called := st.deferred, v.called
	v.mu.Unlock()
	ctx := v.r.Context()
	flushResponse(v.w) // the first byte: the shell, with the fallbacks
	if called != nil {
		<-called
	}
	v.holding.Store(false)
	v.mu.Lock()
	ok := !v.call.Outcome.Failed() || v.stale
	tail := st.tail
	st.tail = nil
	v.mu.Unlock()
	var buf bytes.Buffer
	if ok && ctx.Err() == nil && isHTMLBody(v.w.Header()) {
		v.renderDeferred(ctx, &buf, regions)
	}
	buf.Write(tail)
	if _, err := v.w.Write(buf.Bytes()); err == nil {
		flushResponse(v.w)
	}
}

// renderDeferred writes each region as <template for="ID">, then the stream script when
// one was written. A region whose rendering fails is left out (its fallback stays) and
// logged.
func (v *Visit) renderDeferred(ctx context.Context, buf *bytes.Buffer, regions []deferredRegion) {
	n := 0
	for _, d := range regions {
		mark := buf.Len()
		buf.WriteString(`<template for="` + d.id + `">`)
		if err := renderSafely(ctx, buf, d.r); err != nil {
			buf.Truncate(mark)
			v.t.logs.log(v.t.log, slog.LevelWarn, "region", "personyze: streamed region not rendered, its fallback stays",
				slog.String("region", d.id), slog.String("error", err.Error()))
			continue
		}
		buf.WriteString("</template>")
		n++
	}
	if n == 0 {
		return
	}
	scheme := "http"
	if isHTTPS(v.r) {
		scheme = "https"
	}
	buf.WriteString(string(v.t.swap.tag(v.w.Header().Values("Content-Security-Policy"), "", scheme, v.r.Host)))
}

// renderSafely renders r, returning a panic of r as an error: at the end of a streamed page
// the handler has returned, so a panic would reach net/http, which drops the connection,
// losing the end of a page that is complete without the region.
func renderSafely(ctx context.Context, w io.Writer, r Region) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return r.Render(ctx, w)
}

// isHTMLBody reports whether a response with header h is an HTML page (or has no type yet,
// which net/http sniffs from the shell: HTML).
func isHTMLBody(h http.Header) bool {
	ct := h.Get("Content-Type")
	return ct == "" || strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "text/html")
}

// flushable reports whether the innermost of w's wrapped writers can flush (a wrapper's own
// Flush method may exist only to pass the call on, or panic, as Echo's does).
func flushable(w http.ResponseWriter) bool {
	for range 32 {
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	_, f := w.(http.Flusher)
	_, fe := w.(flushErrorer)
	return f || fe
}

// flushResponse sends what w buffers, through every wrapper (http.ResponseController); a
// writer that panics instead of failing is contained.
func flushResponse(w http.ResponseWriter) {
	defer func() { _ = recover() }()
	_ = http.NewResponseController(w).Flush()
}
