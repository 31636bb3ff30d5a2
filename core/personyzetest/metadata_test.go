package personyzetest

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// The paths Personyze's SDKs request, relative to the REST base.
const (
	actionsPath      = "actions/columns/id,name,content_type,content_param,content_begin,content_end,libs_app,placeholders/where/id:"
	placeholdersPath = "placeholders/columns/id,name,html_id,units_count_max/where/id:"
	conditionsPath   = "conditions/columns/id,name/where/id:"
)

// get sends a GET for path (relative to the REST base) with key.
func get(t *testing.T, srv *Server, c *http.Client, path, key string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.SetBasicAuth("api", key)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading answer: %v", err)
	}
	return resp.StatusCode, string(b)
}

// rows decodes a 200 metadata answer.
func rows(t *testing.T, status int, body string) []map[string]any {
	t.Helper()
	if status != http.StatusOK {
		t.Fatalf("status %d: %q", status, body)
	}
	var out []map[string]any
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("answer is not a JSON array of rows: %v: %q", err, body)
	}
	return out
}

func TestParseMetadataPath(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		found   bool
		err     string // substring of the 400 message; "" means valid
		object  string
		columns []string
		ids     []int64
	}{
		{"sdk actions", "/rest/" + actionsPath + "101,301", true, "", "actions",
			metadataColumns["actions"], []int64{101, 301}},
		{"sdk placeholders", "/rest/" + placeholdersPath + "1", true, "", "placeholders", metadataColumns["placeholders"], []int64{1}},
		{"sdk conditions", "/rest/" + conditionsPath + "5,11", true, "", "conditions", []string{"id", "name"}, []int64{5, 11}},
		{"mounted deeper", "/x/personyze/rest/conditions/columns/name/where/id:5", true, "", "conditions", []string{"name"}, []int64{5}},
		{"where first", "/rest/conditions/where/id:5/columns/id", true, "", "conditions", []string{"id"}, []int64{5}},
		{"id equals", "/rest/conditions/where/id=7", true, "", "conditions", nil, []int64{7}},
		{"no clauses", "/rest/placeholders", true, "", "placeholders", nil, nil},
		{"trailing slash", "/rest/placeholders/", true, "", "placeholders", nil, nil},
		{"repeated column", "/rest/conditions/columns/id,id,name", true, "", "conditions", []string{"id", "name"}, nil},
		{"escaped comma", "/rest/conditions/columns/id%2Cname/where/id:1%2C2", true, "", "conditions", []string{"id", "name"}, []int64{1, 2}},
		{"negative id kept", "/rest/conditions/where/id:-3", true, "", "conditions", nil, []int64{-3}},
		{"tracker", "/rest/tracker-v1", false, "", "", nil, nil},
		{"other object", "/rest/users/columns/id", false, "", "", nil, nil},
		{"single row form", "/rest/actions/12", false, "", "", nil, nil},
		{"columns without value", "/rest/actions/columns", true, "needs a value", "actions", nil, nil},
		{"columns empty value", "/rest/actions/columns//where/id:1", true, "needs a value", "actions", nil, nil},
		{"where without value", "/rest/actions/columns/id/where", true, "needs a value", "actions", nil, nil},
		{"unknown column", "/rest/conditions/columns/id,html_id", true, `no column "html_id"`, "conditions", nil, nil},
		{"empty column", "/rest/conditions/columns/id,", true, "empty column", "conditions", nil, nil},
		{"filter on name", "/rest/conditions/where/name:x", true, "unsupported filter", "conditions", nil, nil},
		{"filter without colon", "/rest/conditions/where/id", true, "unsupported filter", "conditions", nil, nil},
		{"empty id list", "/rest/conditions/where/id:", true, "not an integer", "conditions", nil, nil},
		{"id not a number", "/rest/conditions/where/id:1,x", true, `"x" is not an integer`, "conditions", nil, nil},
		{"id list trailing comma", "/rest/conditions/where/id:1,", true, "not an integer", "conditions", nil, nil},
		{"id equals list", "/rest/conditions/where/id=1,2", true, "unsupported filter", "conditions", nil, nil},
		{"unsupported clause", "/rest/conditions/where/id:1/limit/5", true, `unsupported clause "limit"`, "conditions", nil, nil},
		{"clause twice", "/rest/conditions/where/id:1/where/id:2", true, "twice", "conditions", nil, nil},
		{"bad escape", "/rest/conditions/where/id:%zz", true, "URL-encoded", "conditions", nil, nil},
		{"too many ids", "/rest/conditions/where/id:" + strings.Repeat("1,", MaxMetadataIDs) + "1", true, "more than", "conditions", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, found, err := parseMetadataPath(tt.path)
			if found != tt.found {
				t.Fatalf("found = %v, want %v", found, tt.found)
			}
			if !found {
				return
			}
			if tt.err != "" {
				if err == nil {
					t.Fatalf("accepted, want an error containing %q", tt.err)
				}
				mustContain(t, err.Error(), tt.err)
				return
			}
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if q.object != tt.object || !slices.Equal(q.columns, tt.columns) || !slices.Equal(q.ids, tt.ids) {
				t.Errorf("got %+v, want object %q columns %v ids %v", q, tt.object, tt.columns, tt.ids)
			}
		})
	}
}

func TestMetadataDemoAccount(t *testing.T) {
	srv, _, c := newTestServer(t, Options{})
	key := srv.APIKey()

	// Conditions: exact bytes, ascending ids, unknown ids absent.
	status, body := get(t, srv, c, conditionsPath+"13,5,999,11", key)
	if want := `[{"id":5,"name":"Product recommendations"},{"id":11,"name":"Summer sale"},{"id":13,"name":"Cart reminder"}]`; status != 200 || body != want {
		t.Errorf("conditions: %d %s\nwant %s", status, body, want)
	}

	// Actions: column order as asked, empty strings as null, placeholders as ints.
	status, body = get(t, srv, c, actionsPath+"301,101,302,303", key)
	got := rows(t, status, body)
	if len(got) != 4 || !strings.HasPrefix(body, `[{"id":101,"name":"Viewed together","content_type":"application/json","content_param":"data","content_begin":"[","content_end":"]","libs_app":null,"placeholders":[]},{"id":301,`) {
		t.Fatalf("actions: %s", body)
	}
	banner := got[1]
	content := banner["content_begin"].(string) + "Summer sale: free shipping on every order this week" + banner["content_end"].(string)
	checks := []struct {
		name string
		ok   bool
	}{
		{"type", banner["content_type"] == ContentTypeHTML},
		{"param", banner["content_param"] == "message"},
		{"libs null", banner["libs_app"] == nil},
		{"placeholders", len(banner["placeholders"].([]any)) == 1 && banner["placeholders"].([]any)[0] == float64(PlaceholderHomeBanner)},
		{"content", strings.HasPrefix(content, `<div class="personyze-banner"><strong>Summer sale`) && strings.HasSuffix(content, "</div>")},
		{"sidebar", got[2]["id"] == float64(ActionProductNote) && got[3]["placeholders"].([]any)[0] == float64(PlaceholderProductSidebar)},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s: %v", ch.name, banner)
		}
	}

	// Placeholders: the two names the demo shops rely on.
	status, body = get(t, srv, c, placeholdersPath+"1,2", key)
	if want := `[{"id":1,"name":"home-banner","html_id":"#home-banner","units_count_max":1},{"id":2,"name":"product-sidebar","html_id":"#product-sidebar","units_count_max":2}]`; status != 200 || body != want {
		t.Errorf("placeholders: %d %s\nwant %s", status, body, want)
	}

	// Nothing known: an empty array. No filter: every row.
	if status, body = get(t, srv, c, placeholdersPath+"999", key); status != 200 || body != "[]" {
		t.Errorf("unknown ids: %d %q, want 200 []", status, body)
	}
	status, body = get(t, srv, c, "actions", key)
	if got := rows(t, status, body); len(got) != 6 || len(got[0]) != 8 {
		t.Errorf("all actions: %d rows of %d columns, want 6 of 8", len(got), len(got[0]))
	}
}

func TestMetadataErrors(t *testing.T) {
	srv, _, c := newTestServer(t, Options{})
	tests := []struct {
		name, method, path, key string
		status                  int
		text                    string
	}{
		{"no auth", "GET", conditionsPath + "5", "", 401, "Invalid API key"},
		{"wrong key", "GET", conditionsPath + "5", strings.Repeat("0", 40), 401, "Invalid API key"},
		{"POST", "POST", conditionsPath + "5", DefaultAPIKey, 405, "only GET"},
		{"malformed", "GET", "conditions/columns/id/where/id:x", DefaultAPIKey, 400, "not an integer"},
		{"auth before 400", "GET", "conditions/columns/id/where/id:x", "bad", 401, "Invalid API key"},
		{"unknown object", "GET", "segments/columns/id", DefaultAPIKey, 404, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL()+tt.path, nil)
			if tt.key != "" {
				req.SetBasicAuth("api", tt.key)
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (%q)", resp.StatusCode, tt.status, b)
			}
			mustContain(t, string(b), tt.text)
		})
	}
	recs := srv.MetadataRequests()
	if len(recs) != 5 { // the 404 is no metadata request
		t.Fatalf("recorded %d metadata requests, want 5", len(recs))
	}
	if r := recs[3]; r.Status != 400 || !strings.Contains(r.Error, "not an integer") || r.Object != ObjectConditions {
		t.Errorf("400 recorded as %+v", r)
	}
	if n := srv.MetadataCounts(); n != (MetadataCounts{Conditions: 5}) {
		t.Errorf("counts %+v, want 5 condition requests", n)
	}
}

func TestMetadataCountsAndLog(t *testing.T) {
	srv, clock, c := newTestServer(t, Options{})
	key := srv.APIKey()
	get(t, srv, c, actionsPath+"101,301", key)
	clock.Advance(time.Second)
	get(t, srv, c, actionsPath+"302", key)
	get(t, srv, c, placeholdersPath+"1", key)
	get(t, srv, c, conditionsPath+"11", key)
	call(t, srv, c, visit(1, nil, nav("home"))) // the tracker does not count

	if got, want := srv.MetadataCounts(), (MetadataCounts{Actions: 2, Placeholders: 1, Conditions: 1}); got != want || got.Total() != 4 {
		t.Errorf("counts %+v, want %+v", got, want)
	}
	recs := srv.MetadataRequests()
	if len(recs) != 4 {
		t.Fatalf("%d recorded, want 4", len(recs))
	}
	first := recs[0]
	if first.Object != ObjectActions || !slices.Equal(first.IDs, []int64{101, 301}) ||
		!slices.Equal(first.Columns, metadataColumns[ObjectActions]) || first.Status != 200 ||
		!first.Time.Equal(t0) || first.Path != "/rest/"+actionsPath+"101,301" ||
		!strings.HasPrefix(first.Header.Get("Authorization"), "Basic ") {
		t.Errorf("first record %+v", first)
	}
	if !recs[1].Time.Equal(t0.Add(time.Second)) {
		t.Errorf("second record at %v", recs[1].Time)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("tracker requests %d, want 1 (metadata recorded apart)", n)
	}

	srv.Reset()
	if srv.MetadataCounts() != (MetadataCounts{}) || len(srv.MetadataRequests()) != 0 {
		t.Errorf("Reset kept metadata counts or records")
	}
	capped, _, c2 := newTestServer(t, Options{MaxRequests: 2})
	for range 3 {
		get(t, capped, c2, conditionsPath+"5", capped.APIKey())
	}
	if n, cnt := len(capped.MetadataRequests()), capped.MetadataCounts().Conditions; n != 2 || cnt != 3 {
		t.Errorf("MaxRequests 2: %d recorded, %d counted; want 2 and 3", n, cnt)
	}
}

func TestMetadataFaults(t *testing.T) {
	tests := []struct {
		name    string
		fault   Fault
		timeout time.Duration
		check   func(t *testing.T, status int, body string, err error)
	}{
		{"503", Fault{Kind: FaultStatus}, 5 * time.Second, func(t *testing.T, status int, body string, err error) {
			if err != nil || status != 503 {
				t.Fatalf("got %d %v", status, err)
			}
		}},
		{"slow", Fault{Kind: FaultLatency, Latency: 30 * time.Millisecond}, 5 * time.Second, func(t *testing.T, status int, body string, err error) {
			if err != nil || status != 200 || !json.Valid([]byte(body)) {
				t.Fatalf("got %d %v %q", status, err, body)
			}
		}},
		{"slower than the client", Fault{Kind: FaultLatency, Latency: 10 * time.Second}, 50 * time.Millisecond, func(t *testing.T, _ int, _ string, err error) {
			if !isTimeout(err) {
				t.Fatalf("want a timeout, got %v", err)
			}
		}},
		{"garbage", Fault{Kind: FaultGarbage}, 5 * time.Second, func(t *testing.T, status int, body string, err error) {
			if err != nil || status != 200 || json.Valid([]byte(body)) {
				t.Fatalf("got %d %v %q", status, err, body)
			}
		}},
		{"truncated", Fault{Kind: FaultTruncated}, 5 * time.Second, func(t *testing.T, status int, body string, err error) {
			if err != nil || status != 200 || json.Valid([]byte(body)) || !strings.HasPrefix(body, `[{"id":5`) {
				t.Fatalf("got %d %v %q", status, err, body)
			}
		}},
		{"huge", Fault{Kind: FaultHuge}, 10 * time.Second, func(t *testing.T, status int, body string, err error) {
			if err != nil || status != 200 || len(body) != HugeBodyBytes || !json.Valid([]byte(body)) || body[0] != '[' {
				t.Fatalf("got %d %v, %d bytes", status, err, len(body))
			}
		}},
		{"reset", Fault{Kind: FaultReset}, 5 * time.Second, func(t *testing.T, _ int, _ string, err error) {
			if err == nil {
				t.Fatal("want a connection error")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _, c := newTestServer(t, Options{})
			srv.SetMetadataFault(tt.fault)
			// The tracker is not affected.
			if status, text := post(t, srv, c, visit(1, nil, nav("home"))); status != 200 {
				t.Fatalf("tracker answered %d %q under a metadata fault", status, text)
			}
			status, body, err := getWithTimeout(srv, conditionsPath+"5,11", tt.timeout)
			tt.check(t, status, body, err)
			// A client that gave up may return before the handler has recorded.
			recs := srv.MetadataRequests()
			for deadline := time.Now().Add(5 * time.Second); len(recs) == 0 && time.Now().Before(deadline); {
				time.Sleep(5 * time.Millisecond)
				recs = srv.MetadataRequests()
			}
			if len(recs) != 1 || recs[0].Fault != tt.fault.Kind {
				t.Errorf("recorded %+v, want one request with fault %v", recs, tt.fault.Kind)
			}
			srv.ClearMetadataFault()
			if status, _, err := getWithTimeout(srv, conditionsPath+"5", 5*time.Second); err != nil || status != 200 {
				t.Errorf("after ClearMetadataFault: %d %v", status, err)
			}
		})
	}
}

func TestMetadataFaultIsSeparate(t *testing.T) {
	srv, _, c := newTestServer(t, Options{})
	srv.SetFault(Fault{Kind: FaultStatus})
	srv.SetMetadataFault(Fault{Kind: FaultStatus, Status: 500, Message: "metadata down", Count: 1})
	if status, body := get(t, srv, c, conditionsPath+"5", srv.APIKey()); status != 500 || body != "metadata down" {
		t.Errorf("first metadata request: %d %q, want the metadata fault", status, body)
	}
	if status, _ := get(t, srv, c, conditionsPath+"5", srv.APIKey()); status != 200 {
		t.Errorf("Count 1: second metadata request answered %d", status)
	}
	if status, _ := post(t, srv, c, visit(1, nil)); status != 503 {
		t.Errorf("tracker answered %d, want its own fault 503", status)
	}
}

// getWithTimeout GETs path with the server's key and a client timeout.
func getWithTimeout(srv *Server, path string, timeout time.Duration) (int, string, error) {
	c := &http.Client{Timeout: timeout, Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+path, nil)
	req.SetBasicAuth("api", srv.APIKey())
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}
