package core_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// fakeWriter is a ResponseWriter that records, for each call, whether the session cookie
// was already in its header: Wrap must commit it before anything goes out.
type fakeWriter struct {
	h     http.Header
	calls []string
}

func (f *fakeWriter) note(call string) {
	f.calls = append(f.calls, fmt.Sprintf("%s committed=%t", call, f.h.Get("Set-Cookie") != ""))
}
func (f *fakeWriter) Header() http.Header         { return f.h }
func (f *fakeWriter) WriteHeader(int)             { f.note("WriteHeader") }
func (f *fakeWriter) Write(b []byte) (int, error) { f.note("Write"); return len(b), nil }

type (
	flushW      struct{ *fakeWriter }
	flushErrW   struct{ *fakeWriter }
	hijackW     struct{ *fakeWriter }
	readFromW   struct{ *fakeWriter }
	stringW     struct{ *fakeWriter }
	pushW       struct{ *fakeWriter }
	notifyW     struct{ *fakeWriter }
	fullDuplexW struct{ *fakeWriter }
)

func (f flushW) Flush()               { f.note("Flush") }
func (f flushErrW) FlushError() error { f.note("FlushError"); return nil }
func (f hijackW) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	f.note("Hijack")
	return nil, nil, nil
}
func (f readFromW) ReadFrom(r io.Reader) (int64, error) {
	f.note("ReadFrom")
	return io.Copy(io.Discard, r)
}
func (f stringW) WriteString(s string) (int, error)  { f.note("WriteString"); return len(s), nil }
func (f pushW) Push(string, *http.PushOptions) error { f.note("Push"); return nil }
func (f notifyW) CloseNotify() <-chan bool           { f.note("CloseNotify"); return nil }
func (f fullDuplexW) EnableFullDuplex() error        { f.note("EnableFullDuplex"); return nil }

// Writers with the optional interfaces of net/http's servers, of httptest's recorder, and
// of a few other combinations (another middleware's wrapper).
type (
	http1Like struct {
		*fakeWriter
		flushW
		flushErrW
		hijackW
		readFromW
		stringW
		notifyW
		fullDuplexW
	}
	http2Like struct {
		*fakeWriter
		flushW
		flushErrW
		stringW
		pushW
		notifyW
		fullDuplexW
	}
	recorderLike struct {
		*fakeWriter
		flushW
		stringW
	}
	http1NoNotify struct {
		*fakeWriter
		flushW
		flushErrW
		hijackW
		readFromW
		stringW
		fullDuplexW
	}
	hijackOnly struct {
		*fakeWriter
		hijackW
	}
)

// optional lists the optional interfaces w has.
func optional(w http.ResponseWriter) []string {
	var has []string
	add := func(name string, ok bool) {
		if ok {
			has = append(has, name)
		}
	}
	_, f := w.(http.Flusher)
	_, fe := w.(interface{ FlushError() error })
	_, h := w.(http.Hijacker)
	_, rf := w.(io.ReaderFrom)
	_, s := w.(io.StringWriter)
	_, p := w.(http.Pusher)
	_, cn := w.(http.CloseNotifier) //nolint:staticcheck // Wrap keeps it
	_, fd := w.(interface{ EnableFullDuplex() error })
	add("Flush", f)
	add("FlushError", fe)
	add("Hijack", h)
	add("ReadFrom", rf)
	add("WriteString", s)
	add("Push", p)
	add("CloseNotify", cn)
	add("EnableFullDuplex", fd)
	return has
}

// call invokes the optional method name on w.
func call(w http.ResponseWriter, name string) {
	switch name {
	case "Write":
		_, _ = w.Write([]byte("x"))
	case "WriteHeader":
		w.WriteHeader(http.StatusOK)
	case "Flush":
		w.(http.Flusher).Flush()
	case "FlushError":
		_ = w.(interface{ FlushError() error }).FlushError()
	case "Hijack":
		_, _, _ = w.(http.Hijacker).Hijack()
	case "ReadFrom":
		_, _ = w.(io.ReaderFrom).ReadFrom(strings.NewReader("x"))
	case "WriteString":
		_, _ = w.(io.StringWriter).WriteString("x")
	case "Push":
		_ = w.(http.Pusher).Push("/x", nil)
	case "CloseNotify":
		_ = w.(http.CloseNotifier).CloseNotify() //nolint:staticcheck // Wrap keeps it
	case "EnableFullDuplex":
		_ = w.(interface{ EnableFullDuplex() error }).EnableFullDuplex()
	}
}

func TestWrapKeepsInterfacesAndCommitsFirst(t *testing.T) {
	_, tr := controlWorld(t, nil)
	fresh := func() *fakeWriter { return &fakeWriter{h: http.Header{}} }
	writers := map[string]func() http.ResponseWriter{
		"http1": func() http.ResponseWriter {
			f := fresh()
			return http1Like{f, flushW{f}, flushErrW{f}, hijackW{f}, readFromW{f}, stringW{f}, notifyW{f}, fullDuplexW{f}}
		},
		"http2": func() http.ResponseWriter {
			f := fresh()
			return http2Like{f, flushW{f}, flushErrW{f}, stringW{f}, pushW{f}, notifyW{f}, fullDuplexW{f}}
		},
		"recorder": func() http.ResponseWriter { f := fresh(); return recorderLike{f, flushW{f}, stringW{f}} },
		"http1 no notify": func() http.ResponseWriter {
			f := fresh()
			return http1NoNotify{f, flushW{f}, flushErrW{f}, hijackW{f}, readFromW{f}, stringW{f}, fullDuplexW{f}}
		},
		"hijack only": func() http.ResponseWriter { f := fresh(); return hijackOnly{f, hijackW{f}} },
		"bare":        func() http.ResponseWriter { return fresh() },
	}
	// Calls that send the header must find the cookie committed; the others need not.
	sends := map[string]bool{"Write": true, "WriteHeader": true, "Flush": true, "FlushError": true,
		"Hijack": true, "ReadFrom": true, "WriteString": true}
	for name, mk := range writers {
		t.Run(name, func(t *testing.T) {
			w := mk()
			ex := tr.Begin(w, navigate("/"))
			wrapped := ex.Wrap(w)
			ex.End()
			if got, want := optional(wrapped), optional(w); !slices.Equal(got, want) {
				t.Fatalf("wrapped writer has %v, the writer %v", got, want)
			}
			if u, ok := wrapped.(interface{ Unwrap() http.ResponseWriter }); !ok || u.Unwrap() != w {
				t.Fatal("the wrapped writer does not unwrap to the writer")
			}
			for _, m := range append([]string{"Write", "WriteHeader"}, optional(w)...) {
				w := mk()
				ex := tr.Begin(w, navigate("/"))
				call(ex.Wrap(w), m)
				ex.End()
				calls := fakeOf(w).calls
				want := fmt.Sprintf("%s committed=%t", m, sends[m])
				if len(calls) == 0 || calls[0] != want {
					t.Errorf("%s: the writer saw %v, want %q first", m, calls, want)
				}
			}
		})
	}
}

// fakeOf returns the fakeWriter inside one of the test writers.
func fakeOf(w http.ResponseWriter) *fakeWriter {
	switch w := w.(type) {
	case *fakeWriter:
		return w
	case http1Like:
		return w.fakeWriter
	case http2Like:
		return w.fakeWriter
	case recorderLike:
		return w.fakeWriter
	case http1NoNotify:
		return w.fakeWriter
	case hijackOnly:
		return w.fakeWriter
	}
	panic(fmt.Sprintf("%T", w))
}

// The writers of net/http's own servers and of httptest's recorder take the wrapper of
// one allocation; that only holds while their interfaces are the ones Wrap knows.
func TestWrapFastPathForStandardWriters(t *testing.T) {
	_, tr := controlWorld(t, nil)
	wrappedType := func(w http.ResponseWriter, r *http.Request) string {
		ex := tr.Begin(w, r)
		defer ex.End()
		return fmt.Sprintf("%T", ex.Wrap(w))
	}
	if got := wrappedType(httptest.NewRecorder(), navigate("/")); got != "*core.recWriter" {
		t.Errorf("recorder: %s", got)
	}
	got := make(chan string, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header = navigate("/").Header
		got <- wrappedType(w, r)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	for _, tc := range []struct {
		name  string
		http2 bool
		want  string
	}{{"HTTP/1.1", false, "*core.h1Writer"}, {"HTTP/2", true, "*core.h2Writer"}} {
		tlsConfig := srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
		tlsConfig.NextProtos = []string{"http/1.1"}
		tr := &http.Transport{TLSClientConfig: tlsConfig, ForceAttemptHTTP2: tc.http2}
		if tc.http2 {
			tr.TLSClientConfig.NextProtos = []string{"h2", "http/1.1"}
		}
		resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		tr.CloseIdleConnections()
		if resp.ProtoMajor != map[bool]int{false: 1, true: 2}[tc.http2] {
			t.Fatalf("%s: spoke %s", tc.name, resp.Proto)
		}
		if g := <-got; g != tc.want {
			t.Errorf("%s: wrapped as %s, want %s", tc.name, g, tc.want)
		}
	}
}
