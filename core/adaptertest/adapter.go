package adaptertest

import (
	"net/http"
	"strings"

	"github.com/gopersonyze/personyze/core"
)

// Adapter is one framework adapter under test.
type Adapter struct {
	// Name names the adapter in test output, e.g. "gin".
	Name string
	// New builds the framework's app with the adapter's middleware installed and the
	// standard routes (see Routes) registered with the framework's own handlers, and
	// returns it as an http.Handler. It is called once per scenario.
	New func(tr *core.Tracker, routes Routes) http.Handler
}

// Routes tells New where the suite's files are. The app must serve these routes, written
// the way a user of the framework would write them (its render, redirect, error and
// static-file APIs), each reading the Visit through the adapter:
//
//	GET  /                 render PageTemplate with PageData("Home", visit)
//	GET  /products/{id}    visit.Track(core.ProductViewed(id)), then render PageData("Product "+id, visit)
//	POST /cart/{id}        visit.Track(core.ProductAddedToCart(id)), then the framework's
//	                       redirect with status 303 to /cart
//	GET  /fail             visit.Track(core.ProductViewed("gone")), then fail through the
//	                       framework's native error path with status 404 (gin:
//	                       c.AbortWithStatus; echo: return echo.NewHTTPError; net/http: http.Error)
//	GET  /silent           write nothing at all
//	GET  /late             render PageData("Late", visit), then visit.Track(core.ArticleViewed("after-flush"))
//	GET  /stream           write StreamPrefix and flush it before anything reads
//	                       recommendations, then execute PageTemplate into the same response
//	                       (through the framework's streaming API where it has one)
//	GET  /flush-first      flush the response (the framework's flush API) before writing
//	                       anything, then render PageData("Flushed", visit)
//	GET  /hijack           hijack the connection, write HijackResponse, close it
//	GET  /static/app.css   the framework's static file handler serving StaticDir
//	GET  /api/stock        answer {"stock":3} through the framework's JSON API
//	GET  /old              the framework's redirect with status 302 to /
//	GET  /boom             fail through the framework's native error path with status 500
//	GET  /account          behind an auth middleware of the framework's own kind, registered
//	                       for this route after the adapter's, that calls
//	                       visit.SetUserKey(AuthUser); then render PageData("Account", visit)
//	POST /consent/withdraw visit.SetConsent(false), then the framework's redirect with status
//	                       303 to /
//	GET  /region           render RegionTemplate with PageData("Region", visit) through the
//	                       framework's page rendering (gin: c.HTML; echo: the adapter's
//	                       Render; net/http: ExecuteTemplate into the response)
//	GET  /csp              set the header Content-Security-Policy to CSPHeader, then render
//	                       PageData("CSP", visit)
//	GET  /missing-page     render PageData("Not found", visit) with status 404 into a buffer
//	                       first and then write it, as apps that turn template errors into a
//	                       clean 500 do, telling the Visit the status before the template runs
//	                       the framework's way (gin: c.Status(404) first, then c.Data; echo:
//	                       the adapter's Render, echo's c.Render buffers; net/http:
//	                       visit.SetStatus(404), then execute into a bytes.Buffer)
//	GET  /error-page       visit.Track(core.ProductViewed("broken")), then as /missing-page
//	                       with PageData("Error", visit) and status 500
//
// Every other path answers the framework's own 404.
type Routes struct {
	// TemplateGlob matches the template files, PageTemplate and RegionTemplate; parse them
	// with html/template and the tracker's FuncMap, and bind the set with
	// Tracker.Templates (gin: SetHTMLTemplate of the bound set).
	TemplateGlob string
	// StaticDir is the directory to serve under /static/; it holds app.css.
	StaticDir string
}

// PageTemplate is the name of the page template file the app renders.
const PageTemplate = "page.html"

// pageTemplateText lists the recommendations with attributed links and shows the outcome of
// the Visit, so scenarios can assert on both.
// It ends with personyzeScript given the Visit (the data has no nonce) and a footer, so a
// scenario can see that the page rendered whole.
const pageTemplateText = `<h1>{{.Title}}</h1><ul>{{range .Personyze.Items}}<li><a href="{{personyzeLink .}}">{{.Title}}</a></li>{{end}}</ul><p id=outcome>{{.Personyze.Outcome}}</p>{{personyzeScript .Personyze}}<footer>end</footer>`

// AuthUser is the application user key the auth middleware of /account sets.
const AuthUser = "alice@example.com"

// CSPNonce is the script nonce of CSPHeader, the Content-Security-Policy /csp sends.
const (
	CSPNonce  = "r4nd0mN0nce"
	CSPHeader = "default-src 'self'; script-src 'self' 'nonce-" + CSPNonce + "'"
)

// PageData is the data every page passes to PageTemplate.
func PageData(title string, v *core.Visit) map[string]any {
	return map[string]any{"Title": title, "Personyze": v}
}

// StreamPrefix is what /stream writes and flushes before rendering the page.
const StreamPrefix = "<html><body>"

// HijackResponse is the raw HTTP response /hijack writes on the hijacked connection.
const HijackResponse = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked"

// ErrorStatus is the status /fail responds with.
const ErrorStatus = http.StatusNotFound

// ChromeUA is the User-Agent of the suite's visitors: a desktop browser, tracked as a
// person.
const ChromeUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"

// sessionKeys returns the cookie keys of the suite's trackers (64-byte hash key, 32-byte
// block key); a function, so no test can change another's keys.
func sessionKeys() [][]byte {
	return [][]byte{[]byte(strings.Repeat("h", 64)), []byte(strings.Repeat("b", 32))}
}
