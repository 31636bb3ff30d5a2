package core

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/gopersonyze/personyze/core/internal/wire"
)

// Action is one action Personyze matched for the visitor. Data maps each key of the action's
// data to its value as text: strings as they are, other scalars as their JSON text, objects
// and arrays as their compact JSON text.
type Action struct {
	ID   int64
	Data map[string]string

	once   sync.Once
	items  []Item
	isJSON bool
}

// newActions converts decoded wire actions.
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

// IsJSON reports whether the action carries JSON items: data["data"] parses as the body of a
// JSON array (possibly empty).
func (a *Action) IsJSON() bool {
	a.parse()
	return a.isJSON
}

// Items returns the action's items, parsed from "[" + Data["data"] + "]" on first use (once
// per action; actions nobody reads are never parsed). Elements that are not objects are
// skipped. Nil if the action has no JSON data.
func (a *Action) Items() []Item {
	a.parse()
	return a.items
}

// Decode unmarshals the action's items into dst, typically a *[]MyItem with json tags, for
// applications that want their own types. ErrNotJSONAction if there is no data["data"].
func (a *Action) Decode(dst any) error {
	data, ok := a.Data["data"]
	if !ok {
		return fmt.Errorf("action %d: %w", a.ID, ErrNotJSONAction)
	}
	if err := json.Unmarshal(wire.WrapArray(data), dst); err != nil {
		return fmt.Errorf("action %d: %w: %v", a.ID, ErrMalformedResponse, err)
	}
	return nil
}

func (a *Action) parse() {
	a.once.Do(func() {
		data, ok := a.Data["data"]
		if !ok {
			return
		}
		fields, ok := wire.ParseItemFields(data)
		if !ok {
			return
		}
		a.isJSON = true
		a.items = make([]Item, len(fields))
		for i, f := range fields {
			a.items[i] = Item{ActionID: a.ID, fields: f}
		}
	})
}

// itemsOf returns the items of every JSON action, in action order; never nil.
func itemsOf(actions []*Action) []Item {
	var out []Item
	for _, a := range actions {
		if items := a.Items(); len(items) > 0 {
			if out == nil {
				// The common answer has one JSON action: its items need no copy. The
				// capacity is cut so that appending to the result cannot write into them.
				out = items[:len(items):len(items)]
				continue
			}
			out = append(out, items...)
		}
	}
	if out == nil {
		return []Item{}
	}
	return out
}
