package core

import "github.com/gopersonyze/personyze/core/internal/wire"

// Item is one recommended product or article of a JSON-format action. Personyze's templates
// decide its keys, so Item is a generic key/value set with accessors for the common catalog
// columns. Values are text: strings as sent, numbers as their JSON text, booleans
// "true"/"false".
type Item struct {
	// ActionID is the action the item came from; recommendation links carry it so the view
	// that follows can be attributed (Command.WithAction).
	ActionID int64

	fields wire.Fields
}

// Get returns the value of key, or "".
func (it Item) Get(key string) string {
	v, _ := it.fields.Get(key)
	return v
}

// Fields returns a copy of all key/value pairs, so callers cannot change a shared response.
func (it Item) Fields() map[string]string { return it.fields.Map() }

// first returns the first non-empty value among keys: templates name the same concept
// differently (products use guide_url or cart_url, articles content_url).
func (it Item) first(keys ...string) string {
	for _, k := range keys {
		if v := it.Get(k); v != "" {
			return v
		}
	}
	return ""
}

// ID returns the catalog Internal ID ("internal_id").
func (it Item) ID() string { return it.Get("internal_id") }

// Title returns "title".
func (it Item) Title() string { return it.Get("title") }

// URL returns the first non-empty of "url", "guide_url", "cart_url", "content_url".
func (it Item) URL() string { return it.first("url", "guide_url", "cart_url", "content_url") }

// Image returns the first non-empty of "image", "image_big_url", "image_medium_url".
func (it Item) Image() string { return it.first("image", "image_big_url", "image_medium_url") }

// Price returns "price", falling back to "sale_price" when price is empty.
func (it Item) Price() string { return it.first("price", "sale_price") }
