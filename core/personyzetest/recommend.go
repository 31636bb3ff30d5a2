package personyzetest

import (
	"cmp"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Bounds that keep a page view's cost independent of how many visitors the simulator
// remembers: viewed-together looks at the visitor's most recent maxAnchors views, at the
// most recent maxViewersPerProduct viewers of each, and at their maxCoViewed most recent
// views.
const (
	maxAnchors           = 20
	maxViewersPerProduct = 100
	maxCoViewed          = 50
)

// popularity counts, per catalog item, how many visitors viewed or purchased it, and
// remembers each catalog product's recent viewers. Counts only grow: a forgotten visitor's
// past interest still counts, as it would in a real account. Only catalog ids are
// counted, since only they can be recommended, so memory is bounded by the catalog.
type popularity struct {
	productViews     map[string]int
	productPurchases map[string]int
	articleViews     map[string]int
	viewers          map[string][]uint32 // product id → recent viewers, oldest first
}

func newPopularity(c catalog) popularity {
	p := popularity{
		productViews:     make(map[string]int, len(c.products)),
		productPurchases: make(map[string]int, len(c.products)),
		articleViews:     make(map[string]int, len(c.articles)),
		viewers:          make(map[string][]uint32, len(c.products)),
	}
	for _, x := range c.products {
		p.productViews[x.ID] = 0
		p.productPurchases[x.ID] = 0
		p.viewers[x.ID] = nil
	}
	for _, x := range c.articles {
		p.articleViews[x.ID] = 0
	}
	return p
}

// bump increments m[id] when id is a catalog item.
func bump(m map[string]int, id string) {
	if _, ok := m[id]; ok {
		m[id]++
	}
}

// viewedBy notes that visitor viewed catalog product id for the first time.
func (p *popularity) viewedBy(id string, visitor uint32) {
	bump(p.productViews, id)
	list, ok := p.viewers[id]
	if !ok {
		return
	}
	if len(list) >= maxViewersPerProduct {
		list = list[1:]
	}
	p.viewers[id] = append(list, visitor)
}

// catalog holds the item lists and their tie-break ranks.
type catalog struct {
	products    []Product
	articles    []Article
	productRank map[string]int // tie-break order: catalog order, permuted by a non-zero Seed
	articleRank map[string]int
}

// newCatalog copies the catalog, dropping rows that repeat an earlier id so that every
// id is recommended at most once.
func newCatalog(products []Product, articles []Article, seed int64) catalog {
	c := catalog{
		products: uniqueBy(products, func(p Product) string { return p.ID }),
		articles: uniqueBy(articles, func(a Article) string { return a.ID }),
	}
	pOrder := identity(len(c.products))
	aOrder := identity(len(c.articles))
	if seed != 0 {
		r := rand.New(rand.NewPCG(uint64(seed), 0x7ec0))
		r.Shuffle(len(pOrder), func(i, j int) { pOrder[i], pOrder[j] = pOrder[j], pOrder[i] })
		r.Shuffle(len(aOrder), func(i, j int) { aOrder[i], aOrder[j] = aOrder[j], aOrder[i] })
	}
	c.productRank = make(map[string]int, len(c.products))
	for rank, i := range pOrder {
		c.productRank[c.products[i].ID] = rank
	}
	c.articleRank = make(map[string]int, len(c.articles))
	for rank, i := range aOrder {
		c.articleRank[c.articles[i].ID] = rank
	}
	return c
}

func uniqueBy[T any](rows []T, id func(T) string) []T {
	seen := make(map[string]bool, len(rows))
	out := make([]T, 0, len(rows))
	for _, r := range rows {
		if k := id(r); k != "" && !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}

func identity(n int) []int {
	o := make([]int, n)
	for i := range o {
		o[i] = i
	}
	return o
}

// scored is a candidate item with its score.
type scored struct {
	idx   int // index into the catalog slice
	score int
	rank  int
}

// top sorts by score (highest first), then tie-break rank, and keeps n.
func top(c []scored, n int) []scored {
	slices.SortFunc(c, func(a, b scored) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		return cmp.Compare(a.rank, b.rank)
	})
	return c[:min(n, len(c))]
}

// responseAction is one action of the answer.
type responseAction struct {
	ID   int64             `json:"id"`
	Data map[string]string `json:"data"`
}

// recommend computes the actions for a page view of v. The caller holds s.mu.
func (s *Server) recommend(v *visitor) []responseAction {
	var out []responseAction
	if a, ok := s.viewedTogether(v); ok {
		out = append(out, a)
	}
	if a, ok := s.popular(v); ok {
		out = append(out, a)
	}
	if a, ok := s.articlesFor(v); ok {
		out = append(out, a)
	}
	return out
}

// viewedTogether scores each catalog product by how many of this visitor's recently
// viewed products other visitors viewed along with it.
func (s *Server) viewedTogether(v *visitor) (responseAction, bool) {
	anchors := v.viewed.order[max(0, len(v.viewed.order)-maxAnchors):]
	overlap := make(map[uint32]int)
	for _, a := range anchors {
		for _, id := range s.pop.viewers[a] {
			if id != v.id {
				overlap[id]++
			}
		}
	}
	// Sums do not depend on map order, so the result is deterministic.
	score := make(map[string]int)
	for id, n := range overlap {
		w := s.visitors[id]
		if w == nil {
			continue // forgotten since
		}
		for _, p := range w.viewed.order[max(0, len(w.viewed.order)-maxCoViewed):] {
			if !v.viewed.has(p) {
				score[p] += n
			}
		}
	}
	var cand []scored
	for i, p := range s.cat.products {
		if sc := score[p.ID]; sc > 0 && !v.purchased.has(p.ID) {
			cand = append(cand, scored{idx: i, score: sc, rank: s.cat.productRank[p.ID]})
		}
	}
	return s.productAction(ActionViewedTogether, cand)
}

// popular scores products by distinct viewers plus three times distinct buyers, leaving
// out what the visitor bought and the product they viewed last (the page they are on).
func (s *Server) popular(v *visitor) (responseAction, bool) {
	var current string
	if n := len(v.viewed.order); n > 0 {
		current = v.viewed.order[n-1]
	}
	var cand []scored
	for i, p := range s.cat.products {
		if v.purchased.has(p.ID) || p.ID == current {
			continue
		}
		sc := s.pop.productViews[p.ID] + 3*s.pop.productPurchases[p.ID]
		cand = append(cand, scored{idx: i, score: sc, rank: s.cat.productRank[p.ID]})
	}
	return s.productAction(ActionPopular, cand)
}

// articlesFor prefers unread articles on the topics this visitor read (liked counts
// double), then articles other visitors read most.
func (s *Server) articlesFor(v *visitor) (responseAction, bool) {
	topic := make(map[string]string, len(s.cat.articles))
	for _, a := range s.cat.articles {
		topic[a.ID] = a.Topic
	}
	affinity := make(map[string]int)
	for _, id := range v.artViewed.order {
		affinity[topic[id]]++
	}
	for _, id := range v.artLiked.order {
		affinity[topic[id]] += 2
	}
	var cand []scored
	for i, a := range s.cat.articles {
		if v.artViewed.has(a.ID) || v.artLiked.has(a.ID) {
			continue
		}
		sc := 10*affinity[a.Topic] + s.pop.articleViews[a.ID]
		if a.Topic == "" {
			sc = s.pop.articleViews[a.ID]
		}
		cand = append(cand, scored{idx: i, score: sc, rank: s.cat.articleRank[a.ID]})
	}
	cand = top(cand, s.itemsPerAction)
	if len(cand) == 0 {
		return responseAction{}, false
	}
	objs := make([]string, len(cand))
	for k, c := range cand {
		a := s.cat.articles[c.idx]
		objs[k] = mustJSON(articleItem{InternalID: a.ID, Title: a.Title, URL: a.URL, Image: a.Image, Topic: a.Topic})
	}
	return responseAction{ID: ActionArticles, Data: map[string]string{"data": strings.Join(objs, ",")}}, true
}

func (s *Server) productAction(id int64, cand []scored) (responseAction, bool) {
	cand = top(cand, s.itemsPerAction)
	if len(cand) == 0 {
		return responseAction{}, false
	}
	objs := make([]string, len(cand))
	for k, c := range cand {
		p := s.cat.products[c.idx]
		objs[k] = mustJSON(productItem{
			InternalID: p.ID, Title: p.Title, URL: p.URL, Image: p.Image,
			Price: strconv.FormatFloat(p.Price, 'f', 2, 64), Category: p.Category,
		})
	}
	return responseAction{ID: id, Data: map[string]string{"data": strings.Join(objs, ",")}}, true
}

// productItem is the JSON shape of a recommended product; field order is fixed so
// answers are byte-for-byte reproducible.
type productItem struct {
	InternalID string `json:"internal_id"`
	Title      string `json:"title"`
	URL        string `json:"url"`
	Image      string `json:"image"`
	Price      string `json:"price"`
	Category   string `json:"category"`
}

// articleItem is the JSON shape of a recommended article.
type articleItem struct {
	InternalID string `json:"internal_id"`
	Title      string `json:"title"`
	URL        string `json:"url"`
	Image      string `json:"image"`
	Topic      string `json:"topic"`
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain string fields: cannot happen
	}
	return string(b)
}
