// Package shop holds everything the three demo shops share: the catalog, the
// html/template pages, the embedded static assets, the per-visitor cart and
// wish list, and the wiring of a Personyze tracker from the environment.
//
// Each example under examples/ (nethttp, gin, echo) only adds its web
// framework's routing and the one middleware line of its adapter, so the
// difference between the frameworks is easy to see.
//
// Environment contract of every example:
//
//	ADDR               listen address, default 127.0.0.1:8080
//	PERSONYZE_API_KEY  Personyze API key; when empty, the personyzetest
//	                   simulator is started in-process over the same catalog
//	PERSONYZE_API_URL  REST base URL, default https://app.personyze.com/rest/
//	PERSONYZE_SESSION_KEYS  cookie keys "<hash>,<encryption>" (hex or base64,
//	                   newest pair first), required with an API key; generate
//	                   with `openssl rand -hex 64` and `openssl rand -hex 32`.
//	PERSONYZE_REDIS_URL  e.g. redis://localhost:6379/0: several instances share
//	                   visitor state and the delivery queue there (redis.go)
//
// With an API key the shop runs as in production: Development off, stable
// session keys. The simulator wiring lives in simulator.go alone.
package shop
