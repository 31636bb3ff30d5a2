package personyzetest

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestServerBasics(t *testing.T) {
	srv, _, _ := newTestServer(t, Options{})
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+/rest/$`).MatchString(srv.URL()) {
		t.Errorf("URL() = %q, want http://127.0.0.1:PORT/rest/", srv.URL())
	}
	if got := srv.APIKey(); got != DefaultAPIKey || len(got) != 40 {
		t.Errorf("APIKey() = %q, want the 40-char DefaultAPIKey", got)
	}
	custom := NewServer(Options{APIKey: "ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD"})
	defer custom.Close()
	if custom.APIKey() != "ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD" {
		t.Errorf("APIKey() = %q, want Options.APIKey", custom.APIKey())
	}
	custom.Close() // idempotent
}

func TestAuth(t *testing.T) {
	srv, _, c := newTestServer(t, Options{})
	body := visit(1, nil)
	tests := []struct {
		name, user, key string
		want            int
	}{
		{"missing", "", "", http.StatusUnauthorized},
		{"wrong user", "admin", srv.APIKey(), http.StatusUnauthorized},
		{"wrong key", "api", strings.Repeat("0", 40), http.StatusUnauthorized},
		{"key prefix", "api", srv.APIKey()[:39], http.StatusUnauthorized},
		{"right", "api", srv.APIKey(), http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, text := postAs(t, srv, c, body, tt.user, tt.key)
			if status != tt.want {
				t.Fatalf("status %d, want %d (%q)", status, tt.want, text)
			}
			if tt.want == http.StatusUnauthorized {
				mustContain(t, text, "Invalid API key")
			}
		})
	}
}

func TestMethodAndPath(t *testing.T) {
	srv, _, c := newTestServer(t, Options{})
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "tracker-v1", http.StatusMethodNotAllowed},
		{http.MethodPut, "tracker-v1", http.StatusMethodNotAllowed},
		{http.MethodPost, "tracker-v2", http.StatusNotFound},
		{http.MethodGet, "account", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL()+tt.path, strings.NewReader(`{"user_id":1}`))
			req.SetBasicAuth("api", srv.APIKey())
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestInvalidRequests(t *testing.T) {
	srv, _, c := newTestServer(t, Options{})
	big := `{"user_id":1,"commands":[["Navigate","urn:personyze:doc:` + strings.Repeat("a", MaxRequestBytes) + `"]]}`
	tests := []struct {
		name, body, want string
	}{
		{"empty body", ``, "empty request body"},
		{"not JSON", `user_id=1`, "malformed JSON"},
		{"truncated JSON", `{"user_id":1,"commands":[`, "malformed JSON"},
		{"trailing garbage", `{"user_id":1} x`, "malformed JSON"},
		{"array body", `[1,2]`, "JSON"},
		{"null body", `null`, "must be a JSON object"},
		{"user_id missing", `{"commands":[]}`, "user_id is missing"},
		{"user_id null", `{"user_id":null}`, "user_id is missing"},
		{"user_id string", `{"user_id":"12"}`, "user_id must be a 32-bit integer"},
		{"user_id float", `{"user_id":1.5}`, "user_id must be a 32-bit integer"},
		{"user_id exponent", `{"user_id":1e3}`, "user_id must be a 32-bit integer"},
		{"user_id too big", `{"user_id":4294967296}`, "user_id must be a 32-bit integer"},
		{"user_id too small", `{"user_id":-2147483649}`, "user_id must be a 32-bit integer"},
		{"new_session string", `{"user_id":1,"new_session":"yes"}`, "new_session must be a JSON boolean"},
		{"time_zone string", `{"user_id":1,"time_zone":"-4"}`, "time_zone must be a JSON number"},
		{"commands object", `{"user_id":1,"commands":{}}`, "commands must be an array of arrays"},
		{"command not array", `{"user_id":1,"commands":["Navigate"]}`, "command 1 must be an array"},
		{"command empty", `{"user_id":1,"commands":[[]]}`, "command 1 is empty"},
		{"name not string", `{"user_id":1,"commands":[[1,"x"]]}`, "command name as a string"},
		{"unknown command", `{"user_id":1,"commands":[["Product Stolen","p1"]]}`, `command 1 ("Product Stolen"): unknown command`},
		{"viewed without id", `{"user_id":1,"commands":[["Product Viewed"]]}`, "needs a product id"},
		{"viewed empty id", `{"user_id":1,"commands":[["Product Viewed",""]]}`, "non-empty string"},
		{"viewed numeric id", `{"user_id":1,"commands":[["Article Viewed",7]]}`, "article id must be a non-empty string"},
		{"viewed two ids", `{"user_id":1,"commands":[["Product Viewed","p1","p2"]]}`, "got 2 arguments"},
		{"bad suffix", `{"user_id":1,"commands":[["Product Viewed","p1","quantity",2]]}`, `only "action_id", N`},
		{"action_id string", `{"user_id":1,"commands":[["Product Viewed","p1","action_id","10"]]}`, "action_id must be an integer"},
		{"action_id zero", `{"user_id":1,"commands":[["Product Viewed","p1","action_id",0]]}`, "positive integer"},
		{"bulk with args", `{"user_id":1,"commands":[["Products Purchased","p1"]]}`, "takes no arguments"},
		{"bulk with three args", `{"user_id":1,"commands":[["Products Purchased","action_id",10,"x"]]}`, "takes no arguments"},
		{"bulk bad suffix", `{"user_id":1,"commands":[["Products Purchased","quantity",2]]}`, `only "action_id", N`},
		{"bulk action_id zero", `{"user_id":1,"commands":[["Products Unliked","action_id",0]]}`, "positive integer"},
		{"bulk action_id string", `{"user_id":1,"commands":[["Products Purchased","action_id","10"]]}`, "action_id must be an integer"},
		{"navigate no prefix", `{"user_id":1,"commands":[["Navigate","/home"]]}`, `starting with "urn:personyze:doc:"`},
		{"navigate empty name", `{"user_id":1,"commands":[["Navigate","urn:personyze:doc:"]]}`, "document name is empty"},
		{"navigate no arg", `{"user_id":1,"commands":[["Navigate"]]}`, "exactly one document"},
		{"second command bad", `{"user_id":1,"commands":[["Navigate","urn:personyze:doc:x"],["Product Liked"]]}`, "command 2"},
		{"profile odd", `{"user_id":1,"commands":[["User Profile","email"]]}`, "field, value pairs"},
		{"profile object value", `{"user_id":1,"commands":[["User Profile","email",{}]]}`, "must be a string, number, boolean or null"},
		{"profile array value", `{"user_id":1,"commands":[["User profile","email",["a"]]]}`, "must be a string, number, boolean or null"},
		{"profile null field", `{"user_id":1,"commands":[["User profile",null,"x"]]}`, "non-empty string"},
		{"close negative", `{"user_id":1,"commands":[["Action Status","10","close","-1"]]}`, "session count"},
		{"close not a number", `{"user_id":1,"commands":[["Action Status","10","close","two"]]}`, "session count"},
		{"close float", `{"user_id":1,"commands":[["Action Status","10","close",1.5]]}`, "session count"},
		{"product status without id", `{"user_id":1,"commands":[["Action Status","10","product",""]]}`, "non-empty id"},
		{"executed with number", `{"user_id":1,"commands":[["Action Status","10","executed",1]]}`, "must be a string"},
		{"action status id", `{"user_id":1,"commands":[["Action Status","x","executed",""]]}`, "action id must be a positive integer"},
		{"action status unknown", `{"user_id":1,"commands":[["Action Status","10","clicked",""]]}`, "unknown action status"},
		{"dont-show with arg", `{"user_id":1,"commands":[["Action Status","10","dont-show",""]]}`, "dont-show"},
		{"executed without arg", `{"user_id":1,"commands":[["Action Status","10","executed"]]}`, "every other status takes one"},
		{"too big", big, "request too big"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, text := post(t, srv, c, tt.body)
			if status != http.StatusInternalServerError {
				t.Fatalf("status %d, want 500 (%q)", status, text)
			}
			mustContain(t, text, tt.want)
		})
	}
}

func TestValidRequests(t *testing.T) {
	srv, _, c := newTestServer(t, Options{})
	tests := []struct{ name, body string }{
		{"minimal", `{"user_id":1}`},
		{"seed curl, lower-case name", `{"user_id": 123456, "commands": [["Product viewed", "Chair"], ["Navigate", "urn:personyze:doc:Default"]]}`},
		{"negative user id", `{"user_id":-2147483648,"commands":[]}`},
		{"max unsigned user id", `{"user_id":4294967295}`},
		{"all fields", `{"user_id":7,"session_id":null,"new_session":true,"past_sessions":"","platform":"Linux x86_64","time_zone":5.5,"languages":"en, es","screen":"1920x1080","os":"Linux/6.1","device_type":"regular","noti_enabled":false,"commands":[]}`},
		{"attribution", `{"user_id":1,"commands":[["Product Viewed","p1","action_id",10],["Article Goal","a1","action_id",201]]}`},
		{"seed bulk attribution", `{"user_id":1,"commands":[["Products Purchased","action_id",10],["Products Unliked","action_id",102],["Products Removed from cart","action_id",1],["Articles Unliked","action_id",201],["Navigate","urn:personyze:doc:Default"]]}`},
		{"action_id on every item command", `{"user_id":1,"commands":[["Product Added to cart","p1","action_id",101],["Product Liked","p1","action_id",101],["Product Purchased","p1","action_id",101],["Product Unliked","p1","action_id",101],["Product Removed from cart","p1","action_id",101],["Article Liked","a1","action_id",201],["Article Commented","a1","action_id",201],["Article Unliked","a1","action_id",201]]}`},
		{"navigate raw percent", `{"user_id":1,"commands":[["Navigate","urn:personyze:doc:100% cotton"]]}`},
		{"navigate bad escape", `{"user_id":1,"commands":[["Navigate","urn:personyze:doc:%zz"]]}`},
		{"profile null value", `{"user_id":1,"commands":[["User profile","email",null],["User Profile","a",null,"b","x"]]}`},
		{"close counts", `{"user_id":1,"commands":[["Action Status","301","close","0"],["Action Status","301","close",2],["Action Status","301","target",""],["Action Status","301","error","no room"]]}`},
		{"every command", `{"user_id":1,"commands":[["User Profile","email","a@b.c","age",42],["User profile","vip",true],["Product Added to cart","p1"],["Product Liked","p1"],["Product Unliked","p1"],["Product Removed from cart","p1"],["Products Purchased"],["Products Unliked"],["Products Removed from cart"],["Article Viewed","a1"],["Article Liked","a1"],["Article Commented","a1"],["Article Unliked","a1"],["Articles Unliked"],["Action Status","101","executed",""],["Action Status",101,"product","p2"],["Action Status","101","dont-show"],["Navigate","urn:personyze:doc:Product%20page"]]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, text := post(t, srv, c, tt.body); status != http.StatusOK {
				t.Fatalf("status %d, want 200 (%q)", status, text)
			}
		})
	}
}

var sessionRE = regexp.MustCompile(`^(\d+) [0-9a-f]{16}$`)

func TestSessions(t *testing.T) {
	srv, clock, c := newTestServer(t, Options{})
	r := call(t, srv, c, visit(42, nil, nav("home")))
	if r.SessionID == nil {
		t.Fatal("no session_id")
	}
	first := *r.SessionID
	m := sessionRE.FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("session id %q is not \"<unix seconds> <hex>\"", first)
	}
	if m[1] != strconv.FormatInt(t0.Unix(), 10) {
		t.Errorf("session id starts with %s, want the start time %d", m[1], t0.Unix())
	}

	steps := []struct {
		name    string
		advance time.Duration
		body    func(cur string) map[string]any
		same    bool
	}{
		{"same id kept", time.Minute, func(cur string) map[string]any { return visit(42, &cur) }, true},
		{"89 minutes in, kept", 88 * time.Minute, func(cur string) map[string]any { return visit(42, &cur) }, true},
		{"90 minutes after start, rotated", time.Minute, func(cur string) map[string]any { return visit(42, &cur) }, false},
		{"stale id (its own session long over), current continued", time.Minute, func(string) map[string]any { return visit(42, &first) }, true},
		{"stale id and new_session, new", 0, func(string) map[string]any {
			b := visit(42, &first)
			b["new_session"] = true
			return b
		}, false},
		{"null session, new", 0, func(string) map[string]any { return visit(42, nil) }, false},
		{"unknown id, new", 0, func(string) map[string]any { return visit(42, strp("1 deadbeef")) }, false},
		{"new_session true, new", 0, func(cur string) map[string]any {
			b := visit(42, &cur)
			b["new_session"] = true
			return b
		}, false},
		{"another visitor's id, new", 0, func(cur string) map[string]any { return visit(43, &cur) }, false},
	}
	cur := first
	for _, st := range steps {
		clock.Advance(st.advance)
		r := call(t, srv, c, st.body(cur))
		got := *r.SessionID
		if !sessionRE.MatchString(got) {
			t.Fatalf("%s: session id %q has the wrong shape", st.name, got)
		}
		if (got == cur) != st.same {
			t.Fatalf("%s: got %q after %q, same=%v wanted", st.name, got, cur, st.same)
		}
		if !st.same && !strings.HasPrefix(got, strconv.FormatInt(clock.Now().Unix(), 10)+" ") {
			t.Errorf("%s: new session %q does not start with now", st.name, got)
		}
		if st.name != "another visitor's id, new" {
			cur = got
		}
	}
	v := srv.Visitor(42)
	if v.Sessions != 6 || v.SessionID != cur {
		t.Errorf("Visitor(42) = %d sessions, id %q; want 6 and %q", v.Sessions, v.SessionID, cur)
	}
}

func TestGzip(t *testing.T) {
	srv, _, _ := newTestServer(t, Options{})
	var zbody bytes.Buffer
	zw := gzip.NewWriter(&zbody)
	_, _ = zw.Write([]byte(`{"user_id":9,"commands":[["Navigate","urn:personyze:doc:home"]]}`))
	_ = zw.Close()

	// A transport without transparent decompression shows what is on the wire.
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"tracker-v1", &zbody)
	req.SetBasicAuth("api", srv.APIKey())
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("status %d, Content-Encoding %q; want 200 gzip", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	mustContain(t, string(plain), `"session_id":"`)

	// Invalid gzip is a 500 naming the problem.
	req, _ = http.NewRequest(http.MethodPost, srv.URL()+"tracker-v1", strings.NewReader(`{"user_id":9}`))
	req.SetBasicAuth("api", srv.APIKey())
	req.Header.Set("Content-Encoding", "gzip")
	resp, err = (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 500 || !strings.Contains(string(b), "gzip") {
		t.Errorf("bad gzip: status %d %q, want 500 naming gzip", resp.StatusCode, b)
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", false}, {"gzip", true}, {"deflate, gzip", true}, {"GZIP;q=0.5", true},
		{"gzip;q=0", false}, {"gzip; q=0.0", false}, {"br", false}, {"x-gzip", false},
	}
	for _, tt := range tests {
		if got := acceptsGzip(tt.in); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestHandlerMounted(t *testing.T) {
	srv := newServer(Options{})
	defer srv.Close()
	mux := http.NewServeMux()
	mux.Handle("/personyze/", srv.Handler())
	rw := newRecorder()
	req, _ := http.NewRequest(http.MethodPost, "/personyze/rest/tracker-v1", strings.NewReader(`{"user_id":3}`))
	req.SetBasicAuth("api", DefaultAPIKey)
	mux.ServeHTTP(rw, req)
	if rw.Code != 200 {
		t.Fatalf("mounted handler status %d: %s", rw.Code, rw.Body)
	}
	if srv.URL() != "" {
		t.Errorf("URL() of an unstarted server = %q, want empty", srv.URL())
	}
	srv.Close()
	rw = newRecorder()
	srv.Handler().ServeHTTP(rw, req)
	if rw.Code != http.StatusServiceUnavailable {
		t.Errorf("after Close status %d, want 503", rw.Code)
	}
}
