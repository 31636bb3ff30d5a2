package personyzetest_test

import (
	"encoding/json"
	"fmt"
	"io"
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

// get sends one metadata GET the way a client library does.
func get(srv *personyzetest.Server, path string) (string, error) {
	req, err := http.NewRequest(http.MethodGet, srv.URL()+path, nil)
	if err != nil {
		return "", err
	}
	req.SetBasicAuth("api", srv.APIKey())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return fmt.Sprintf("%d %s", resp.StatusCode, b), err
}

// A page view returns an HTML action's variable part; the metadata endpoints give the
// constant parts and the placeholder it is targeted at.
func Example_metadata() {
	srv := personyzetest.NewServer(personyzetest.Options{})
	defer srv.Close()

	resp, err := post(srv, `{"user_id": 1, "commands": [["Navigate", "urn:personyze:doc:/"]]}`)
	if err != nil {
		fmt.Println(err)
		return
	}
	var answer struct {
		Conditions []struct{ ID int64 } `json:"conditions"`
		Actions    []struct {
			ID   int64             `json:"id"`
			Data map[string]string `json:"data"`
		} `json:"actions"`
	}
	err = json.NewDecoder(resp.Body).Decode(&answer)
	resp.Body.Close()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("conditions:", answer.Conditions)
	banner := answer.Actions[len(answer.Actions)-1]

	for _, path := range []string{
		fmt.Sprintf("conditions/columns/id,name/where/id:%d", personyzetest.ConditionSummerSale),
		fmt.Sprintf("actions/columns/id,content_type,content_param,libs_app,placeholders/where/id:%d,999", banner.ID),
		"placeholders/columns/id,name,units_count_max/where/id:1",
	} {
		out, err := get(srv, path)
		fmt.Println(out, err)
	}
	fmt.Println(banner.Data["message"])
	fmt.Println(srv.MetadataCounts())
	// Output:
	// conditions: [{5} {11}]
	// 200 [{"id":11,"name":"Summer sale"}] <nil>
	// 200 [{"id":301,"content_type":"text/html","content_param":"message","libs_app":null,"placeholders":[1]}] <nil>
	// 200 [{"id":1,"name":"home-banner","units_count_max":1}] <nil>
	// Summer sale: free shipping on every order this week
	// {1 1 1}
}

func ExampleAccount() {
	acc := personyzetest.Account{
		Placeholders: []personyzetest.Placeholder{{ID: 1, Name: "home-banner", UnitsCountMax: 1}},
		Actions: []personyzetest.Action{{
			ID: 500, Name: "Welcome", ContentType: personyzetest.ContentTypeHTML,
			ContentParam: "html", ContentBegin: "<p>", ContentEnd: "</p>",
			Placeholders: []int64{1}, Data: map[string]string{"html": "Welcome back!"},
		}},
		Conditions: []personyzetest.Condition{
			{ID: 50, Name: "Home page", Documents: []string{"/"}, Actions: []int64{500}},
		},
		EventRules: []personyzetest.EventRule{
			{On: "Product Liked", DismissConditions: []int64{50}, DismissActions: []int64{500}},
		},
	}
	srv := personyzetest.NewServer(personyzetest.Options{Account: &acc, Products: []personyzetest.Product{}})
	defer srv.Close()

	for _, body := range []string{
		`{"user_id": 1, "commands": [["Navigate", "urn:personyze:doc:/"]]}`,
		`{"user_id": 1, "commands": [["Product Liked", "p1"]]}`,
	} {
		resp, err := post(srv, body)
		if err != nil {
			fmt.Println(err)
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(strings.SplitN(string(b), `,"conditions"`, 2)[1])
	}
	// Output:
	// :[{"id":50}],"actions":[{"id":500,"data":{"html":"Welcome back!"}}],"dismiss_conditions":[],"dismiss_actions":[]}
	// :[],"actions":[],"dismiss_conditions":[50],"dismiss_actions":[500]}
}

func ExampleServer_BumpCacheVersion() {
	srv := personyzetest.NewServer(personyzetest.Options{})
	defer srv.Close()
	version := func() int64 {
		resp, err := post(srv, `{"user_id": 1}`)
		if err != nil {
			return -1
		}
		defer resp.Body.Close()
		var a struct {
			CacheVersion int64 `json:"cache_version"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&a)
		return a.CacheVersion
	}
	fmt.Println(version())
	srv.BumpCacheVersion() // as if the account had been edited: clients must refetch metadata
	fmt.Println(version(), srv.CacheVersion())
	// Output:
	// 1
	// 2 2
}

func ExampleServer_ActionStatuses() {
	srv := personyzetest.NewServer(personyzetest.Options{
		Clock: personyzetest.NewFakeClock(time.Unix(1700000000, 0)),
	})
	defer srv.Close()
	resp, err := post(srv, `{"user_id": 8, "commands": [
		["Action Status", "301", "executed", ""],
		["Action Status", "102", "product", "p3"],
		["Action Status", "301", "close", "2"],
		["Action Status", "303", "dont-show"]]}`)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	for _, st := range srv.ActionStatuses(8) {
		fmt.Printf("%d %s %q %v\n", st.ActionID, st.Status, st.Arg, strings.HasPrefix(st.SessionID, "1700000000 "))
	}
	// Output:
	// 301 executed "" true
	// 102 product "p3" true
	// 301 close "2" true
	// 303 dont-show "" true
}

func ExampleServer_SetMetadataFault() {
	srv := personyzetest.NewServer(personyzetest.Options{})
	defer srv.Close()
	// The metadata endpoints fail once; the tracker is not affected.
	srv.SetMetadataFault(personyzetest.Fault{Kind: personyzetest.FaultStatus, Count: 1})
	for range 2 {
		out, err := get(srv, "conditions/columns/id,name/where/id:5")
		fmt.Println(out, err)
	}
	resp, err := post(srv, `{"user_id": 3}`)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, srv.MetadataCounts().Conditions)
	// Output:
	// 503 Service Unavailable <nil>
	// 200 [{"id":5,"name":"Product recommendations"}] <nil>
	// 200 2
}

// A client that reports a recommendation's impression after the click it caused sends a
// status Personyze's SDKs never send; the record shows it.
func ExampleRequest_DuplicateStatuses() {
	srv := personyzetest.NewServer(personyzetest.Options{})
	defer srv.Close()

	resp, err := post(srv, `{"user_id": 42, "commands": [
		["Product Viewed", "p2", "action_id", 102],
		["Action Status", "102", "product", "p2"],
		["Action Status", "102", "executed", ""],
		["Navigate", "urn:personyze:doc:%2Fproducts%2Fp2"]]}`)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	for _, r := range srv.Requests() {
		for _, c := range r.DuplicateStatuses() {
			fmt.Println(c.Name, c.Args)
		}
	}
	// Output:
	// Action Status [102 executed ]
}
