package core

import "testing"

func TestItemAccessors(t *testing.T) {
	tests := []struct {
		name                         string
		fields                       map[string]string
		id, title, url, image, price string
	}{
		{"empty", nil, "", "", "", "", ""},
		{"url wins", map[string]string{"internal_id": "P1", "title": "T", "url": "u", "guide_url": "g", "image": "i", "image_big_url": "b", "price": "1"},
			"P1", "T", "u", "i", "1"},
		{"guide_url before cart_url", map[string]string{"guide_url": "g", "cart_url": "c", "image_big_url": "b", "image_medium_url": "m"},
			"", "", "g", "b", ""},
		{"cart_url", map[string]string{"cart_url": "c", "image_medium_url": "m", "sale_price": "9"}, "", "", "c", "m", "9"},
		{"content_url for articles", map[string]string{"content_url": "a", "url": ""}, "", "", "a", "", ""},
		{"price before sale_price", map[string]string{"price": "10", "sale_price": "9"}, "", "", "", "", "10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := newItem(3, tt.fields)
			if it.ID() != tt.id || it.Title() != tt.title || it.URL() != tt.url || it.Image() != tt.image || it.Price() != tt.price {
				t.Errorf("got id=%q title=%q url=%q image=%q price=%q", it.ID(), it.Title(), it.URL(), it.Image(), it.Price())
			}
			if it.ActionID != 3 {
				t.Errorf("ActionID = %d", it.ActionID)
			}
		})
	}
}

func TestItemFieldsIsACopy(t *testing.T) {
	src := map[string]string{"title": "a"}
	it := newItem(1, src)
	src["title"] = "changed"
	it.Fields()["title"] = "changed too"
	if it.Get("title") != "a" {
		t.Errorf("Item shares its map: %q", it.Get("title"))
	}
}
