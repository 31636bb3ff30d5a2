package personyzetest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkPageView measures one product page view with a Navigate (so recommendations
// are computed) through Handler, against a few visitors' worth of history.
func BenchmarkPageView(b *testing.B) {
	srv := newServer(Options{Clock: NewFakeClock(t0), MaxRequests: 100})
	defer srv.Close()
	h := srv.Handler()
	warm := []string{
		`{"user_id":1,"commands":[["Product Viewed","p1"],["Product Viewed","p2"],["Navigate","urn:personyze:doc:p"]]}`,
		`{"user_id":2,"commands":[["Product Viewed","p1"],["Product Viewed","p3"],["Article Viewed","a1"]]}`,
		`{"user_id":3,"commands":[["Product Viewed","p2"],["Product Purchased","p4"]]}`,
	}
	for _, body := range warm {
		serveOnce(b, h, []byte(body))
	}
	body := []byte(`{"user_id":1839852125,"session_id":null,"new_session":false,"past_sessions":"","platform":"Linux x86_64","time_zone":-4,"languages":"en","os":"Linux","device_type":"regular","commands":[["Product Viewed","p1"],["Navigate","urn:personyze:doc:Product%20page"]]}`)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		serveOnce(b, h, body)
	}
}

func serveOnce(b *testing.B, h http.Handler, body []byte) {
	req := httptest.NewRequest(http.MethodPost, "/rest/tracker-v1", bytes.NewReader(body))
	req.SetBasicAuth("api", DefaultAPIKey)
	rw := httptest.NewRecorder()
	h.ServeHTTP(rw, req)
	if rw.Code != http.StatusOK {
		b.Fatalf("status %d: %s", rw.Code, rw.Body)
	}
}
