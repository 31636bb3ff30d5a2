package shop

import (
	"crypto/rand"
	"log/slog"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// This file is the demo's only link to the Personyze simulator: a shop deployed with
// a real key (PERSONYZE_API_KEY) never starts it, and an application copying the
// shop leaves this file out.

// startSimulator starts the personyzetest simulator over the shop's catalog and
// returns it with the demo's Config: the simulator's key and URL, and Development
// mode with random session keys per process (visitors get a new cookie after a
// restart, which is fine for a demo and wrong for production).
func startSimulator(c *Catalog, logger *slog.Logger) (*personyzetest.Server, core.Config) {
	sim := personyzetest.NewServer(personyzetest.Options{
		Products: simProducts(c),
		Articles: simArticles(c),
		Seed:     1,
		Logger:   logger,
	})
	logger.Info("PERSONYZE_API_KEY is empty: using the in-process Personyze simulator", "url", sim.URL())
	return sim, core.Config{
		APIKey:      sim.APIKey(),
		BaseURL:     sim.URL(),
		SessionKeys: [][]byte{randomKey(), randomKey()},
		Development: true,
	}
}

// randomKey returns 32 random bytes, a valid gorilla/securecookie hash or
// block (AES-256) key.
func randomKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // crypto/rand.Read never fails on supported platforms
	return k
}

// simProducts converts the catalog for the simulator, with the same page and
// image paths the shop serves.
func simProducts(c *Catalog) []personyzetest.Product {
	var out []personyzetest.Product
	for _, p := range c.Products() {
		out = append(out, personyzetest.Product{
			ID: p.ID, Title: p.Title, URL: p.URL(), Image: p.Image(), Category: p.Category, Price: p.Price,
		})
	}
	return out
}

// simArticles converts the catalog's articles for the simulator.
func simArticles(c *Catalog) []personyzetest.Article {
	var out []personyzetest.Article
	for _, a := range c.Articles() {
		out = append(out, personyzetest.Article{ID: a.ID, Title: a.Title, URL: a.URL(), Image: a.Image(), Topic: a.Topic})
	}
	return out
}
