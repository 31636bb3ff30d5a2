package shop

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// Shop is one demo shop: its catalog, its shoppers' carts, its templates and
// its Personyze tracker. The examples differ only in how they route requests
// to its methods (see routes.go).
type Shop struct {
	Catalog   *Catalog
	Store     *Store
	Pages     *Renderer
	Tracker   *core.Tracker
	Logger    *slog.Logger
	Simulator *personyzetest.Server // nil when a real API key is used
}

// New builds the shop from env. With no API key it starts the personyzetest
// simulator in-process over the shop's catalog and logs its URL, so the demo
// works offline. Call Close when done.
func New(env Env, logger *slog.Logger) (*Shop, error) {
	if logger == nil {
		logger = slog.Default()
	}
	s := &Shop{Catalog: NewCatalog(), Store: NewStore(0), Logger: logger}
	cfg := core.Config{
		APIKey:  env.APIKey,
		BaseURL: env.APIURL,
		// A real deployment loads stable keys from its secrets; random keys
		// per process are fine for a demo (visitors just get a new session
		// after a restart).
		SessionKeys: [][]byte{randomKey(), randomKey()},
		Development: true,
		Logger:      logger,
	}
	if env.APIKey == "" {
		s.Simulator = personyzetest.NewServer(personyzetest.Options{
			Products: simProducts(s.Catalog),
			Articles: simArticles(s.Catalog),
			Seed:     1,
			Logger:   logger,
		})
		cfg.APIKey, cfg.BaseURL = s.Simulator.APIKey(), s.Simulator.URL()
		logger.Info("PERSONYZE_API_KEY is empty: using the in-process Personyze simulator", "url", s.Simulator.URL())
	}
	tr, err := core.New(cfg)
	if err != nil {
		s.closeSimulator()
		return nil, fmt.Errorf("shop: personyze: %w", err)
	}
	s.Tracker = tr
	if s.Pages, err = NewRenderer(tr.FuncMap()); err != nil {
		return nil, errors.Join(err, s.Close(context.Background()))
	}
	return s, nil
}

// Close delivers the events the tracker still has queued (until ctx is done)
// and stops the simulator. Call it after the HTTP server has shut down, so
// no handler tracks anything afterwards.
func (s *Shop) Close(ctx context.Context) error {
	var err error
	if s.Tracker != nil {
		err = s.Tracker.Close(ctx)
	}
	s.closeSimulator()
	return err
}

func (s *Shop) closeSimulator() {
	if s.Simulator != nil {
		s.Simulator.Close()
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
