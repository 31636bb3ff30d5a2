package personyzetest

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
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
