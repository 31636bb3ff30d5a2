package shop

// CartLine is one product in a cart, as the cart page shows it.
type CartLine struct {
	Product  Product
	Quantity int
	Subtotal float64
}

// Cart is a shopper's cart resolved against the catalog.
type Cart struct {
	Lines []CartLine
	Count int // units
	Total float64
}

// cart resolves the shopper's stored cart against the catalog; products that
// left the catalog are skipped.
func (s *Shop) cart(shopper string) Cart {
	ids, qty := s.Store.Quantities(shopper)
	var c Cart
	for i, id := range ids {
		p, ok := s.Catalog.Product(id)
		if !ok {
			continue
		}
		line := CartLine{Product: p, Quantity: qty[i], Subtotal: p.Price * float64(qty[i])}
		c.Lines = append(c.Lines, line)
		c.Count += line.Quantity
		c.Total += line.Subtotal
	}
	return c
}
