package shop

import "slices"

// Product is one thing the demo shop sells.
type Product struct {
	ID          string
	Title       string
	Category    string
	Price       float64
	Description string
}

// URL is the product's page path in every example.
func (p Product) URL() string { return "/products/" + p.ID }

// Image is the path of the product's embedded SVG picture.
func (p Product) Image() string { return "/static/img/" + p.ID + ".svg" }

// Article is one editorial page of the demo shop.
type Article struct {
	ID      string
	Title   string
	Topic   string
	Summary string
	Body    []string // paragraphs
	Related []string // product ids shown beside the article
}

// URL is the article's page path in every example.
func (a Article) URL() string { return "/articles/" + a.ID }

// Image is the path of the article's embedded SVG picture.
func (a Article) Image() string { return "/static/img/" + a.ID + ".svg" }

// Catalog is the read-only set of products and articles. It is built once by
// NewCatalog and never modified, so it is safe for concurrent use.
type Catalog struct {
	products []Product
	articles []Article
}

// NewCatalog returns the demo catalog: 12 products in four categories and
// six articles.
func NewCatalog() *Catalog {
	return &Catalog{products: demoProducts(), articles: demoArticles()}
}

// Products returns a copy of all products in catalog order.
func (c *Catalog) Products() []Product { return slices.Clone(c.products) }

// Articles returns a copy of all articles in catalog order.
func (c *Catalog) Articles() []Article { return slices.Clone(c.articles) }

// Product returns the product with the given id.
func (c *Catalog) Product(id string) (Product, bool) {
	i := slices.IndexFunc(c.products, func(p Product) bool { return p.ID == id })
	if i < 0 {
		return Product{}, false
	}
	return c.products[i], true
}

// Article returns the article with the given id.
func (c *Catalog) Article(id string) (Article, bool) {
	i := slices.IndexFunc(c.articles, func(a Article) bool { return a.ID == id })
	if i < 0 {
		return Article{}, false
	}
	return c.articles[i], true
}

// ProductsByID returns the products with the given ids, skipping unknown ones.
func (c *Catalog) ProductsByID(ids []string) []Product {
	out := make([]Product, 0, len(ids))
	for _, id := range ids {
		if p, ok := c.Product(id); ok {
			out = append(out, p)
		}
	}
	return out
}
