package echov5_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
	"github.com/gopersonyze/personyze/echoadapter/echov5"
)

// newTracker returns a tracker talking to a fresh simulator, both stopped at test end.
func newTracker(t *testing.T) (*core.Tracker, *personyzetest.Server) {
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
	return tr, sim
}

func browserGet(path string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36")
	r.Header.Set("Accept", "text/html") // a browser navigating to a page
	return r
}

// TestErrorHandlerOnceWithCookie: a returned error reaches a custom HTTPErrorHandler once;
// the Visit has ended by then, so its page shows the call's outcome and the cookie is in
// the header it writes.
func TestErrorHandlerOnceWithCookie(t *testing.T) {
	tr, sim := newTracker(t)
	e := echo.New()
	calls := 0
	e.HTTPErrorHandler = func(c *echo.Context, err error) {
		calls++
		_ = c.String(http.StatusTeapot, "error page, outcome "+echov5.Visit(c).Outcome().String())
	}
	e.Use(echov5.Middleware(tr))
	e.GET("/", func(c *echo.Context) error {
		_ = echov5.Visit(c).Track(core.ProductViewed("p1"))
		return echo.NewHTTPError(http.StatusTeapot, "no")
	})
	w := httptest.NewRecorder()
	e.ServeHTTP(w, browserGet("/"))
	if calls != 1 || w.Code != http.StatusTeapot || w.Body.String() != "error page, outcome ok" {
		t.Fatalf("handler calls %d, status %d, body %q", calls, w.Code, w.Body)
	}
	if !strings.Contains(w.Header().Get("Set-Cookie"), "personyze=") {
		t.Errorf("no cookie: %v", w.Header())
	}
	if n := len(sim.Requests()); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
}

// TestSkipperAndMirror: a skipped request gets an inactive Visit and no cookie; otherwise
// the c.Set mirror is the request context's Visit.
func TestSkipperAndMirror(t *testing.T) {
	tr, sim := newTracker(t)
	e := echo.New()
	e.Use(echov5.MiddlewareWithOptions(tr, echov5.Options{
		Skipper: func(c *echo.Context) bool { return strings.HasPrefix(c.Path(), "/health") },
	}))
	handler := func(c *echo.Context) error {
		v := echov5.Visit(c)
		if m := c.Get(core.ContextKey); v.Active() && m != v {
			t.Errorf("mirror %v is not the request's Visit %p", m, v)
		}
		return c.HTML(http.StatusOK, v.Outcome().String())
	}
	e.GET("/health", handler)
	e.GET("/page", handler)
	for path, want := range map[string]string{"/health": "skipped", "/page": "pending"} {
		w := httptest.NewRecorder()
		e.ServeHTTP(w, browserGet(path))
		if w.Body.String() != want || (w.Header().Get("Set-Cookie") != "") != (path == "/page") {
			t.Errorf("%s: body %q cookie %q", path, w.Body, w.Header().Get("Set-Cookie"))
		}
	}
	tr.Close(context.Background())
	if n := len(sim.Requests()); n != 1 {
		t.Errorf("%d calls, want 1 (the page's)", n)
	}
}

// TestRender: Render tells the Visit the status before Echo runs the Renderer, so a 404
// page whose template reads recommendations makes no page view; a code that is not an
// HTTP status is refused before anything renders.
func TestRender(t *testing.T) {
	tests := []struct {
		code       int
		wantStatus int
		wantCalls  int
		wantErr    bool
	}{
		{http.StatusOK, http.StatusOK, 1, false},
		{http.StatusNotFound, http.StatusNotFound, 0, false},
		{0, http.StatusInternalServerError, 0, true}, // echo's error handler answers the error
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.code), func(t *testing.T) {
			tr, sim := newTracker(t)
			e := echo.New()
			rendered := false
			e.Renderer = renderFunc(func(_ *echo.Context, w io.Writer, _ string, data any) error {
				rendered = true
				_, err := io.WriteString(w, strconv.Itoa(len(data.(*core.Visit).Items())))
				return err
			})
			e.Use(echov5.Middleware(tr))
			var err error
			e.GET("/", func(c *echo.Context) error {
				err = echov5.Render(c, tt.code, "page", echov5.Visit(c))
				return err
			})
			w := httptest.NewRecorder()
			e.ServeHTTP(w, browserGet("/"))
			if w.Code != tt.wantStatus || (err != nil) != tt.wantErr || rendered == tt.wantErr {
				t.Errorf("status %d, err %v, rendered %v", w.Code, err, rendered)
			}
			if n := len(sim.Requests()); n != tt.wantCalls {
				t.Errorf("%d calls, want %d", n, tt.wantCalls)
			}
		})
	}
}

// renderFunc is an echo.Renderer from a function.
type renderFunc func(*echo.Context, io.Writer, string, any) error

func (f renderFunc) Render(c *echo.Context, w io.Writer, name string, data any) error {
	return f(c, w, name, data)
}
