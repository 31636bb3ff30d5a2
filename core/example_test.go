package core_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/gopersonyze/personyze/core"
)

func ExampleProductViewed() {
	cmd := core.ProductViewed("SKU-1").WithAction(10) // reached through recommendation action 10
	b, _ := cmd.MarshalJSON()
	fmt.Println(string(b))
	// Output: ["Product Viewed","SKU-1","action_id",10]
}

func ExampleNavigate() {
	b, _ := core.Navigate("/products/red chair").MarshalJSON()
	fmt.Println(string(b))
	// Output: ["Navigate","urn:personyze:doc:%2Fproducts%2Fred%20chair"]
}

func ExampleRequest_AppendJSON() {
	req := core.Request{UserID: 42, NewSession: true, Languages: "en", DeviceType: "regular",
		Commands: []core.Command{core.Navigate("Default")}}
	fmt.Println(string(req.AppendJSON(nil)))
	// Output: {"user_id":42,"session_id":null,"new_session":true,"past_sessions":"","platform":"","languages":"en","os":"","device_type":"regular","commands":[["Navigate","urn:personyze:doc:Default"]]}
}

func ExampleClient_Send() {
	// A stand-in for Personyze on 127.0.0.1.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"session_id":"1700000000 abc","actions":[{"id":10,"data":{"data":`+
			`"{\"internal_id\":\"SKU-2\",\"title\":\"Blue chair\",\"guide_url\":\"/p/2\",\"price\":49.9}"}}]}`)
	}))
	defer srv.Close()

	c, err := core.NewClient(core.Config{APIKey: "8C03F1C7FF861065B3D063CD6A4DD0F8E8008FE9", BaseURL: srv.URL + "/rest/"})
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := c.Send(context.Background(), &core.Request{UserID: 42,
		Commands: []core.Command{core.ProductViewed("SKU-1"), core.Navigate("/products/1")}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("session:", resp.SessionID)
	for _, it := range resp.Items() {
		fmt.Println(it.ActionID, it.ID(), it.Title(), it.URL(), it.Price())
	}
	// Output:
	// session: 1700000000 abc
	// 10 SKU-2 Blue chair /p/2 49.9
}

func ExampleAction_Decode() {
	resp, _ := core.DecodeResponse([]byte(`{"actions":[{"id":10,"data":{"data":"{\"internal_id\":\"SKU-2\",\"price\":49.9}"}}]}`))
	type product struct {
		ID    string  `json:"internal_id"`
		Price float64 `json:"price"`
	}
	var ps []product
	if err := resp.Action(10).Decode(&ps); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%+v\n", ps)
	// Output: [{ID:SKU-2 Price:49.9}]
}

func ExampleNewClient_badKey() {
	_, err := core.NewClient(core.Config{APIKey: "too-short"})
	fmt.Println(err)
	// Output: personyze: Config.APIKey: has 9 characters, a Personyze API key has 40; copy the key from the "Full-featured API" section of Personyze Settings → Integrations
}
