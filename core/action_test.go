package core

// Tests of behaviour that was tested together with the wire protocol when it lived in package
// core, but that stays core's: Action's items on top of wire.ParseItems, Action.Decode and
// ConfigError. The wire protocol itself is tested in core/internal/wire.

import (
	"errors"
	"reflect"
	"testing"

	"github.com/gopersonyze/personyze/core/internal/wire"
)

func TestActionItems(t *testing.T) {
	tests := []struct {
		name   string
		data   map[string]string
		isJSON bool
		want   []map[string]string
	}{
		{"no data key", map[string]string{"html": "<b>x</b>"}, false, nil},
		{"nil data", nil, false, nil},
		{"html in data", map[string]string{"data": "<div>hi</div>"}, false, nil},
		{"empty list", map[string]string{"data": ""}, true, nil},
		{"bracket injection rejected", map[string]string{"data": `{"a":"1"}],[{"b":"2"}`}, false, nil},
		{"typical items", map[string]string{"data": `{"internal_id":"P1","title":"Chair","price":19.90},{"internal_id":2,"in_stock":true}`}, true,
			[]map[string]string{{"internal_id": "P1", "title": "Chair", "price": "19.90"}, {"internal_id": "2", "in_stock": "true"}}},
		{"non-objects skipped, nested values skipped", map[string]string{"data": `1,"x",null,[{"a":"b"}],{"k":"v","n":null,"o":{},"l":[]}`}, true,
			[]map[string]string{{"k": "v"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &Action{ID: 9, Data: tt.data}
			if got := a.IsJSON(); got != tt.isJSON {
				t.Errorf("IsJSON = %v, want %v", got, tt.isJSON)
			}
			items := a.Items()
			if len(items) != len(tt.want) {
				t.Fatalf("items = %d, want %d", len(items), len(tt.want))
			}
			for i, it := range items {
				if it.ActionID != 9 {
					t.Errorf("item %d ActionID = %d", i, it.ActionID)
				}
				if !reflect.DeepEqual(it.Fields(), tt.want[i]) {
					t.Errorf("item %d = %v, want %v", i, it.Fields(), tt.want[i])
				}
			}
		})
	}
}

func TestActionItemsParsedOnceAndLazily(t *testing.T) {
	r, err := wire.Decode([]byte(`{"actions":[{"id":1,"data":{"data":"{\"internal_id\":\"A\"}"}},{"id":2,"data":{"data":"{\"internal_id\":\"B\"}"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	actions := newActions(r.Actions)
	if len(actions) != 2 || actions[0].ID != 1 || actions[1].ID != 2 {
		t.Fatalf("actions %v", actions)
	}
	a1, a2 := actions[0], actions[1]
	if a2.items != nil || a1.items != nil {
		t.Fatal("items parsed before anyone asked")
	}
	first := a1.Items()
	a1.Data["data"] = `{"internal_id":"changed"}` // must not be parsed again
	if got := a1.Items(); got[0].ID() != "A" || &got[0] != &first[0] {
		t.Errorf("Items parsed twice: %v", got)
	}
	if a2.items != nil {
		t.Error("reading action 1 parsed action 2")
	}
	all := itemsOf(actions)
	if len(all) != 2 || all[0].ID() != "A" || all[1].ID() != "B" || all[1].ActionID != 2 {
		t.Errorf("itemsOf = %v", all)
	}
}

func TestActionDecode(t *testing.T) {
	type product struct {
		ID    string  `json:"internal_id"`
		Price float64 `json:"price"`
	}
	a := &Action{ID: 3, Data: map[string]string{"data": `{"internal_id":"P1","price":2.5},{"internal_id":"P2","price":3}`}}
	var ps []product
	if err := a.Decode(&ps); err != nil {
		t.Fatal(err)
	}
	if want := []product{{"P1", 2.5}, {"P2", 3}}; !reflect.DeepEqual(ps, want) {
		t.Errorf("Decode = %v, want %v", ps, want)
	}
	if err := (&Action{ID: 4}).Decode(&ps); !errors.Is(err, ErrNotJSONAction) {
		t.Errorf("Decode without data = %v", err)
	}
	if err := (&Action{ID: 5, Data: map[string]string{"data": "<p>"}}).Decode(&ps); !errors.Is(err, ErrMalformedResponse) {
		t.Errorf("Decode of HTML = %v", err)
	}
}

// FuzzDecodedActionItems holds the item assertions of the former core FuzzDecodeResponse
// (whose decoding part now lives in core/internal/wire): over any decoded answer, items are
// tagged with their action's id, come only from JSON actions, and itemsOf gathers them all.
func FuzzDecodedActionItems(f *testing.F) {
	f.Add([]byte(`{"session_id":"1700000000 abc","cache_version":1,"conditions":[{"id":5}],"actions":[{"id":10,"data":{"data":"{\"internal_id\":\"P1\"}"}}],"dismiss_conditions":[],"dismiss_actions":[]}`))
	f.Add([]byte(`{"actions":[{"id":"7","data":{"n":1,"b":true,"o":{}}}],"conditions":["1",{"id":"2"}]}`))
	f.Add([]byte(`{"actions":[{"id":1,"data":{"data":"1,{\"a\":[1]},null"}}]}`))
	f.Add([]byte(`{"actions":[{"id":1,"data":{"data":"{\"a\":1}"}},{"id":2,"data":{"data":"<p>"}},{"id":3,"data":{"data":"{\"b\":2},{\"c\":3}"}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := wire.Decode(body)
		if err != nil {
			return // wire's FuzzDecodeResponse checks the errors
		}
		actions := newActions(r.Actions)
		n := 0
		for _, a := range actions {
			items := a.Items()
			if !a.IsJSON() && items != nil {
				t.Fatal("items from a non-JSON action")
			}
			for _, it := range items {
				if it.ActionID != a.ID {
					t.Fatalf("item ActionID %d in action %d", it.ActionID, a.ID)
				}
			}
			n += len(items)
		}
		if all := itemsOf(actions); len(all) != n {
			t.Fatalf("itemsOf = %d, actions hold %d", len(all), n)
		}
	})
}

// newActions converts decoded wire actions, without their metadata.
func newActions(ws []wire.Action) []*Action {
	if len(ws) == 0 {
		return nil
	}
	out := make([]*Action, len(ws))
	for i, w := range ws {
		out[i] = &Action{ID: w.ID, Data: w.Data}
	}
	return out
}
