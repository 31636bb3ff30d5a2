package ginadapter_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
	"github.com/gopersonyze/personyze/ginadapter"
)

// newTracker returns a tracker talking to a fresh simulator, both stopped at test end.
func newTracker(t *testing.T) *core.Tracker {
	t.Helper()
	sim := personyzetest.NewServer(personyzetest.Options{Seed: 1})
	t.Cleanup(sim.Close)
	tr, err := core.New(core.Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), Development: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = tr.Close(ctx)
	})
	return tr
}

func browserGet(path string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36")
	r.Header.Set("Accept", "text/html") // a browser navigating to a page
	return r
}

// TestOneVisitEverywhere: Visit(c), the c.Set mirror, core.FromContext on the request and,
// with ContextWithFallback, on c itself are one object; c.Writer is gin's own again after
// the middleware.
func TestOneVisitEverywhere(t *testing.T) {
	tr := newTracker(t)
	r := gin.New()
	r.ContextWithFallback = true
	var before, during gin.ResponseWriter
	r.Use(func(c *gin.Context) {
		before = c.Writer
		c.Next()
		if c.Writer != before {
			t.Error("c.Writer not restored after the middleware")
		}
	}, ginadapter.Middleware(tr))
	r.GET("/", func(c *gin.Context) {
		during = c.Writer
		v := ginadapter.Visit(c)
		mirrored, _ := c.Get(core.ContextKey)
		if !v.Active() || mirrored != v || core.FromContext(c) != v || core.FromContext(c.Request.Context()) != v {
			t.Errorf("visits differ: %p %v %p %p", v, mirrored, core.FromContext(c), core.FromContext(c.Request.Context()))
		}
		c.Status(http.StatusAccepted)
		if c.Writer.Written() || c.Writer.Status() != http.StatusAccepted || c.Writer.Size() != -1 {
			t.Errorf("before writing: written %v status %d size %d", c.Writer.Written(), c.Writer.Status(), c.Writer.Size())
		}
		c.Data(http.StatusAccepted, "text/html; charset=utf-8", []byte("hello")) // a page: the cookie is set
		if !c.Writer.Written() || c.Writer.Size() != 5 || c.Writer.Pusher() != nil {
			t.Errorf("after writing: written %v size %d", c.Writer.Written(), c.Writer.Size())
		}
	})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, browserGet("/"))
	if during == before {
		t.Error("handler saw gin's writer, not the committing wrapper")
	}
	if w.Code != http.StatusAccepted || !strings.Contains(w.Header().Get("Set-Cookie"), "personyze=") {
		t.Errorf("status %d, header %v", w.Code, w.Header())
	}
}

// TestAbortWithStatusAndSSE: AbortWithStatus commits before its header (a 403 is no page
// view: no call, no cookie); an SSE stream (no page view either) that tracked an event and
// reads the outcome after its first event still gets it and the cookie.
func TestAbortWithStatusAndSSE(t *testing.T) {
	tr := newTracker(t)
	r := gin.New()
	r.Use(ginadapter.Middleware(tr))
	r.GET("/denied", func(c *gin.Context) { c.AbortWithStatus(http.StatusForbidden) })
	r.GET("/events", func(c *gin.Context) {
		_ = ginadapter.Visit(c).Track(core.ProductViewed("p1"))
		n := 0
		c.Stream(func(w io.Writer) bool {
			if n == 0 {
				c.SSEvent("hello", "world")
			} else {
				c.SSEvent("outcome", ginadapter.Visit(c).Outcome().String())
			}
			n++
			return n < 2
		})
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	for _, tc := range []struct {
		path, body string
		status     int
		cookie     bool
	}{
		{"/denied", "", http.StatusForbidden, false},
		{"/events", "event:outcome\ndata:ok\n", http.StatusOK, true},
	} {
		req := browserGet(srv.URL + tc.path)
		req.RequestURI = ""
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.body) {
			t.Errorf("%s: status %d body %q", tc.path, resp.StatusCode, b)
		}
		if got := len(resp.Cookies()) > 0; got != tc.cookie {
			t.Errorf("%s: cookie %v, want %v", tc.path, got, tc.cookie)
		}
	}
}

// TestStatusBeforeTheHeader: a template that reads recommendations before the header is
// written sees the status Gin has recorded by then (c.Status, c.HTML, c.AbortWithStatus,
// or Gin's own 404 for NoRoute): an error status makes no page view, the last status set
// wins, and a 200 after Gin's 404 (a single-page app's fallback) stays a page view.
func TestStatusBeforeTheHeader(t *testing.T) {
	tests := []struct {
		name       string
		path       string
		setStatus  []int // c.Status calls before the read, in order
		wantKind   core.RequestKind
		wantReason string
		wantStatus int
	}{
		{"c.Status(404)", "/page", []int{http.StatusNotFound}, core.KindEvent, "response 404", http.StatusNotFound},
		{"c.Status(500)", "/page", []int{http.StatusInternalServerError}, core.KindEvent, "response 500", http.StatusInternalServerError},
		{"404 then 200", "/page", []int{http.StatusNotFound, http.StatusOK}, core.KindPage, "page view", http.StatusOK},
		{"no status", "/page", nil, core.KindPage, "page view", http.StatusOK},
		{"NoRoute keeps gin's 404", "/no/such/page", nil, core.KindEvent, "response 404", http.StatusNotFound},
		{"NoRoute answering 200", "/no/such/page", []int{http.StatusOK}, core.KindPage, "page view", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTracker(t)
			r := gin.New()
			var kind core.RequestKind
			var reason string
			var navigated bool
			handler := func(c *gin.Context) {
				for _, s := range tt.setStatus {
					c.Status(s)
				}
				v := ginadapter.Visit(c)
				_ = v.Items() // a template rendered into a buffer reads them before the header
				kind, reason = v.Kind(), v.Reason()
				navigated = strings.Contains(string(v.Call().RequestJSON()), `"Navigate"`)
				c.Header("Content-Type", "text/html; charset=utf-8")
				_, _ = c.Writer.WriteString("<p>page</p>")
			}
			mw := ginadapter.Middleware(tr)
			r.GET("/page", mw, handler)
			r.NoRoute(mw, handler)
			w := httptest.NewRecorder()
			r.ServeHTTP(w, browserGet(tt.path))
			if w.Code != tt.wantStatus {
				t.Errorf("status %d, want %d", w.Code, tt.wantStatus)
			}
			if kind != tt.wantKind || reason != tt.wantReason {
				t.Errorf("at the read: kind %v (%q), want %v (%q)", kind, reason, tt.wantKind, tt.wantReason)
			}
			if navigated != (tt.wantKind == core.KindPage) {
				t.Errorf("Navigate sent: %v, want %v", navigated, tt.wantKind == core.KindPage)
			}
		})
	}
}
