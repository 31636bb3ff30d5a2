package personyzetest

import "fmt"

// Product is one row of the simulated product catalog. Recommended products are sent to
// the client as JSON objects with the keys internal_id, title, url, image, price (a string
// with two decimals) and category.
type Product struct {
	ID       string  // internal_id, the id "Product Viewed" and friends carry
	Title    string  // title
	URL      string  // url, the product page
	Image    string  // image URL
	Category string  // category
	Price    float64 // price, sent as a string with two decimals
}

// Article is one row of the simulated article catalog. Recommended articles are sent as
// JSON objects with the keys internal_id, title, url, image and topic.
type Article struct {
	ID    string // internal_id, the id "Article Viewed" and friends carry
	Title string // title
	URL   string // url, the article page
	Image string // image URL
	Topic string // topic; readers of a topic get more of it
}

// DefaultCatalog returns a small demo catalog of 12 products and 6 articles, used when
// Options has neither. Product i has id "p<i>", URL "/products/p<i>" and image
// "/static/img/p<i>.svg"; article i has id "a<i>", URL "/articles/a<i>" and image
// "/static/img/a<i>.svg". Each call returns fresh slices the caller may modify.
func DefaultCatalog() ([]Product, []Article) {
	type row struct {
		title, category string
		price           float64
	}
	prows := []row{
		{"Oak Dining Chair", "furniture", 89.00},
		{"Walnut Coffee Table", "furniture", 249.50},
		{"Linen Sofa Cushion", "textiles", 24.90},
		{"Wool Throw Blanket", "textiles", 59.00},
		{"Ceramic Table Lamp", "lighting", 74.00},
		{"Brass Floor Lamp", "lighting", 189.00},
		{"Stoneware Mug Set", "kitchen", 32.00},
		{"Cast Iron Skillet", "kitchen", 45.00},
		{"Bamboo Cutting Board", "kitchen", 19.99},
		{"Rattan Storage Basket", "storage", 29.00},
		{"Pine Bookshelf", "storage", 159.00},
		{"Jute Area Rug", "textiles", 129.00},
	}
	products := make([]Product, len(prows))
	for i, r := range prows {
		id := fmt.Sprintf("p%d", i+1)
		products[i] = Product{
			ID:       id,
			Title:    r.title,
			URL:      "/products/" + id,
			Image:    "/static/img/" + id + ".svg",
			Category: r.category,
			Price:    r.price,
		}
	}
	arows := []struct{ title, topic string }{
		{"How to Choose a Dining Chair", "furniture"},
		{"Caring for Solid Wood", "furniture"},
		{"Layering Textiles for Winter", "textiles"},
		{"Lighting a Small Living Room", "lighting"},
		{"Seasoning Cast Iron", "kitchen"},
		{"Decluttering in a Weekend", "storage"},
	}
	articles := make([]Article, len(arows))
	for i, r := range arows {
		id := fmt.Sprintf("a%d", i+1)
		articles[i] = Article{
			ID:    id,
			Title: r.title,
			URL:   "/articles/" + id,
			Image: "/static/img/" + id + ".svg",
			Topic: r.topic,
		}
	}
	return products, articles
}
