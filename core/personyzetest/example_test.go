package personyzetest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gopersonyze/personyze/core/personyzetest"
)

// post sends one tracker-v1 request the way a client library does.
func post(srv *personyzetest.Server, body string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, srv.URL()+"tracker-v1", strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("api", srv.APIKey())
	return http.DefaultClient.Do(req)
}

func ExampleNewServer() {
	srv := personyzetest.NewServer(personyzetest.Options{
		Clock: personyzetest.NewFakeClock(time.Unix(1700000000, 0)),
	})
	defer srv.Close()

	// Point the client under test at srv.URL() with srv.APIKey().
	fmt.Println(strings.HasPrefix(srv.URL(), "http://127.0.0.1:"), strings.HasSuffix(srv.URL(), "/rest/"))
	fmt.Println(len(srv.APIKey()))

	resp, err := post(srv, `{"user_id": 42, "commands": [["Product Viewed", "p1"], ["Navigate", "urn:personyze:doc:Product%20page"]]}`)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var answer struct {
		SessionID string `json:"session_id"`
		Actions   []struct {
			ID   int64             `json:"id"`
			Data map[string]string `json:"data"`
		} `json:"actions"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, strings.HasPrefix(answer.SessionID, "1700000000 "))
	for _, a := range answer.Actions {
		if _, ok := a.Data["data"]; !ok {
			continue // an HTML action of the demo account (see ExampleServer_metadata)
		}
		var items []map[string]string
		_ = json.Unmarshal([]byte("["+a.Data["data"]+"]"), &items)
		fmt.Println(a.ID, items[0]["internal_id"], items[0]["title"])
	}

	// Everything the client sent is recorded for assertions.
	for _, c := range srv.Commands(42, "Product Viewed") {
		fmt.Println(c.Name, c.ItemID())
	}
	// Output:
	// true true
	// 40
	// 200 true
	// 102 p2 Walnut Coffee Table
	// 201 a1 How to Choose a Dining Chair
	// Product Viewed p1
}

func ExampleServer_SetFault() {
	srv := personyzetest.NewServer(personyzetest.Options{})
	defer srv.Close()

	// The next request gets a 503 with Retry-After; later ones are answered normally.
	srv.SetFault(personyzetest.Fault{
		Kind:       personyzetest.FaultStatus,
		Status:     http.StatusServiceUnavailable,
		RetryAfter: 2 * time.Second,
		Count:      1,
	})
	for range 2 {
		resp, err := post(srv, `{"user_id": 7, "commands": []}`)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Printf("%d Retry-After=%q\n", resp.StatusCode, resp.Header.Get("Retry-After"))
	}

	// A hanging server, to exercise the client's timeout.
	srv.SetFault(personyzetest.Fault{Kind: personyzetest.FaultHang})
	client := &http.Client{Timeout: 50 * time.Millisecond}
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"tracker-v1", strings.NewReader(`{"user_id": 7}`))
	req.SetBasicAuth("api", srv.APIKey())
	_, err := client.Do(req)
	fmt.Println(err != nil)
	srv.ClearFault()
	// Output:
	// 503 Retry-After="2"
	// 200 Retry-After=""
	// true
}
