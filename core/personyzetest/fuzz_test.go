package personyzetest

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// FuzzDecodeRequest feeds arbitrary bodies to the handler: it must never panic, never
// answer 200 to a body that is not valid JSON, and whatever it accepts must satisfy the
// protocol's rules.
func FuzzDecodeRequest(f *testing.F) {
	seeds := []string{
		`{"user_id": 123456, "commands": [["Product viewed", "Chair"], ["Navigate", "urn:personyze:doc:Default"]]}`,
		`{"user_id":1839852125,"session_id":null,"new_session":true,"past_sessions":"","platform":"Linux x86_64","time_zone":-4,"languages":"en,es","screen":"1920x1080","os":"Linux/6.1","device_type":"regular","commands":[["Product Viewed","SKU-1"],["Navigate","urn:personyze:doc:Product%20page"]]}`,
		`{"user_id":-5,"session_id":"1700000000 abc","commands":[["Product Viewed","p1","action_id",10],["User Profile","email","a@b","age",3],["Action Status","10","dont-show"],["Action Status","10","close","2"]]}`,
		`{"user_id":1,"commands":[["Products Purchased"],["Articles Unliked"],["Article Goal","a1"]]}`,
		`{"user_id":4294967296}`, `{"user_id":1.0}`, `{"user_id":"1"}`, `{}`, `[]`, `null`, ``, `{"user_id":1,"commands":[[]]}`,
		`{"user_id":1,"time_zone":1e400}`, `{"user_id":1,"commands":[["Navigate","urn:personyze:doc:%"]]}`,
		`{"user_id":1,"commands":[["Products Purchased","action_id",10],["User profile","email",null],["Action Status","301","close",2]]}`,
		`{"user_id":1,"commands":[["Products Purchased","action_id"],["Action Status","301","product",""]]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	srv := newServer(Options{Clock: NewFakeClock(t0), MaxRequests: 16})
	defer srv.Close()
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		// The decoder itself.
		var rec Request
		err := decodeRequest(body, &rec)
		if err == nil {
			checkAccepted(t, body, &rec)
		} else if err.Error() == "" {
			t.Fatal("an error without a message")
		}

		// And through the handler.
		req := httptest.NewRequest(http.MethodPost, "/rest/tracker-v1", bytes.NewReader(body))
		req.SetBasicAuth("api", DefaultAPIKey)
		rw := httptest.NewRecorder()
		h.ServeHTTP(rw, req)
		switch {
		case !json.Valid(body) && rw.Code == http.StatusOK:
			t.Fatalf("200 for invalid JSON %q", body)
		case err != nil && rw.Code != http.StatusInternalServerError:
			t.Fatalf("decoder rejected %q (%v) but the handler answered %d", body, err, rw.Code)
		case err == nil && rw.Code != http.StatusOK:
			t.Fatalf("decoder accepted %q but the handler answered %d: %s", body, rw.Code, rw.Body)
		case rw.Code == http.StatusOK && !json.Valid(rw.Body.Bytes()):
			t.Fatalf("200 answer is not JSON: %q", rw.Body)
		case rw.Code == http.StatusInternalServerError && strings.TrimSpace(rw.Body.String()) == "":
			t.Fatalf("500 without a message for %q", body)
		}
	})
}

// checkAccepted asserts the protocol rules on a request the decoder accepted.
func checkAccepted(t *testing.T, body []byte, rec *Request) {
	t.Helper()
	if !json.Valid(body) || len(body) > MaxRequestBytes {
		t.Fatalf("accepted an invalid body %q", body)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		t.Fatalf("accepted a body that is not an object: %q", body)
	}
	if rec.TimeZone != nil && (math.IsNaN(*rec.TimeZone) || math.Abs(*rec.TimeZone) > 24) {
		t.Fatalf("accepted time_zone %v", *rec.TimeZone)
	}
	for _, c := range rec.Commands {
		spec, ok := lookupCommand(c.Name)
		if !ok {
			t.Fatalf("accepted unknown command %q", c.Name)
		}
		if spec.kind == kindNavigate && !strings.HasPrefix(c.Args[0].(string), NavigatePrefix) {
			t.Fatalf("accepted Navigate %v", c.Args)
		}
		if (spec.kind == kindProduct || spec.kind == kindArticle) && c.ItemID() == "" {
			t.Fatalf("accepted %q without an id", c.Name)
		}
	}
}

// FuzzMetadataPath feeds arbitrary paths to the metadata path parser and the handler:
// no panic, every accepted path names a known object, known columns at most once and at
// most MaxMetadataIDs ids, and the handler answers 200 (a JSON array), 400 or 404.
func FuzzMetadataPath(f *testing.F) {
	seeds := []string{
		"actions/columns/id,name,content_type,content_param,content_begin,content_end,libs_app,placeholders/where/id:101,301",
		"placeholders/columns/id,name,html_id,units_count_max/where/id:1,2",
		"conditions/columns/id,name/where/id:5,11,13", "conditions/where/id=5/columns/name", "actions",
		"actions/", "actions/columns", "actions/columns/id,,name", "conditions/where/id:%zz", "conditions/limit/5",
		"x/actions/where/id:-1,9223372036854775808", "tracker-v1", "conditions/columns/id%2Cname",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	srv := newServer(Options{Clock: NewFakeClock(t0), MaxRequests: 16})
	defer srv.Close()
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, path string) {
		q, found, err := parseMetadataPath("/rest/" + path)
		if found && err == nil {
			cols, ok := metadataColumns[q.object]
			if !ok {
				t.Fatalf("accepted object %q", q.object)
			}
			for i, c := range q.columns {
				if !slices.Contains(cols, c) || slices.Contains(q.columns[:i], c) {
					t.Fatalf("accepted column %q in %v", c, q.columns)
				}
			}
			if len(q.ids) > MaxMetadataIDs {
				t.Fatalf("accepted %d ids", len(q.ids))
			}
		}
		if found && err != nil && err.Error() == "" {
			t.Fatal("an error without a message")
		}

		u, perr := url.Parse("/rest/" + path)
		if perr != nil || strings.HasSuffix(u.Path, "/tracker-v1") {
			return
		}
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL = u
		req.SetBasicAuth("api", DefaultAPIKey)
		rw := httptest.NewRecorder()
		h.ServeHTTP(rw, req)
		switch rw.Code {
		case http.StatusOK:
			var rows []map[string]any
			if json.Unmarshal(rw.Body.Bytes(), &rows) != nil {
				t.Fatalf("200 answer is not a JSON array of rows: %q", rw.Body)
			}
		case http.StatusBadRequest, http.StatusNotFound:
		default:
			t.Fatalf("status %d for %q", rw.Code, path)
		}
	})
}
