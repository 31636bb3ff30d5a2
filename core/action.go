package core

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/gopersonyze/personyze/core/internal/meta"
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

	// meta is the action's metadata row, nil when it was not known in time; places are the
	// placeholders it is targeted at, as far as they were known.
	meta   *meta.Action
	places []*meta.Placeholder
	html   htmlOnce
}

// IsJSON reports whether the action carries JSON items. With the action's metadata known,
// that is an application/json content type whose content is a JSON array (possibly empty);
// without it, data["data"] parsing as the body of a JSON array.
func (a *Action) IsJSON() bool {
	a.parse()
	return a.isJSON
}

// Items returns the action's items, parsed on first use (once per action; actions nobody
// reads are never parsed) from its content (see Content), or from "[" + Data["data"] + "]"
// when its metadata is not known. Elements that are not objects are skipped. Nil if the
// action has no JSON items, an HTML action for one.
func (a *Action) Items() []Item {
	a.parse()
	return a.items
}

// Decode unmarshals the action's items into dst, typically a *[]MyItem with json tags, for
// applications that want their own types. ErrNotJSONAction if the action holds no JSON
// items (see jsonElements: no data["data"], or metadata that says it is not JSON).
func (a *Action) Decode(dst any) error {
	arr, ok := a.jsonArray()
	if !ok {
		return fmt.Errorf("action %d: %w", a.ID, ErrNotJSONAction)
	}
	if err := json.Unmarshal(arr, dst); err != nil {
		return fmt.Errorf("action %d: %w: %v", a.ID, ErrMalformedResponse, err)
	}
	return nil
}

// jsonArray returns the JSON array text of the action's items (see jsonElements).
func (a *Action) jsonArray() ([]byte, bool) {
	elems, ok := a.jsonElements()
	if !ok {
		return nil, false
	}
	return wire.WrapArray(elems), true
}

// jsonElements returns the inside of the JSON array of the action's items: the content
// between its brackets when the metadata says application/json and the content is
// bracketed, data["data"] itself when the metadata is unknown (the seed's rule: the
// items without their brackets). ok is false for anything else.
func (a *Action) jsonElements() (string, bool) {
	if a.meta == nil {
		data, ok := a.Data["data"]
		return data, ok
	}
	if a.meta.Kind() != meta.ContentJSON {
		return "", false
	}
	c := strings.TrimSpace(a.meta.Content(a.Data))
	if len(c) < 2 || c[0] != '[' || c[len(c)-1] != ']' {
		return "", false
	}
	return c[1 : len(c)-1], true
}

func (a *Action) parse() {
	a.once.Do(func() {
		elems, ok := a.jsonElements()
		if !ok {
			return
		}
		fields, ok := wire.ParseItemFields(elems)
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

// Name returns the action's name from its metadata, "" when the metadata is not known.
func (a *Action) Name() string {
	if a.meta == nil {
		return ""
	}
	return a.meta.Name
}

// ContentType returns the action's content type from its metadata ("application/json" for
// recommendations, "text/html" for banners and other HTML actions), "" when the metadata is
// not known.
func (a *Action) ContentType() string {
	if a.meta == nil {
		return ""
	}
	return a.meta.ContentType
}

// Content returns the action's content: its metadata's content_begin, then the data value
// named by content_param, then content_end. Without metadata it is "".
func (a *Action) Content() string {
	if a.meta == nil {
		return ""
	}
	return a.meta.Content(a.Data)
}

// place returns the action's placeholder with this name, or nil.
func (a *Action) place(name string) *meta.Placeholder {
	for _, p := range a.places {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// fragment returns the action's HTML with its on-site links attributed, built once.
func (a *Action) fragment(param string) string {
	a.html.once.Do(func() { a.html.s = attributeLinks(a.meta.Content(a.Data), param, a.ID) })
	return a.html.s
}
