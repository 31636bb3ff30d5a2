package shop

import "os"

// DefaultAddr is where the examples listen when ADDR is not set.
const DefaultAddr = "127.0.0.1:8080"

// Env is the examples' environment contract.
type Env struct {
	Addr   string // ADDR, default DefaultAddr
	APIKey string // PERSONYZE_API_KEY; empty starts the in-process simulator
	APIURL string // PERSONYZE_API_URL; empty means the library's default
	// SessionKeys is PERSONYZE_SESSION_KEYS: hex or base64 keys,
	// "<hash>,<encryption>", newest pair first. Required with an APIKey, unused
	// with the simulator.
	SessionKeys string
	// NoStreaming, from PERSONYZE_NO_STREAMING=1, turns streaming of the pages' regions
	// off (Config.StreamBudget -1): they wait for Personyze as pages did before regions,
	// for comparing the two (the load program's -render blocking).
	NoStreaming bool
	// RedisURL is PERSONYZE_REDIS_URL, e.g. "redis://localhost:6379/0": the tracker
	// shares visitor state and its delivery queue with the shop's other instances
	// there (core/personyzeredis). Empty: this process's memory only.
	RedisURL string
}

// EnvFromOS reads the contract from the process environment.
func EnvFromOS() Env {
	e := Env{
		Addr:   os.Getenv("ADDR"),
		APIKey: os.Getenv("PERSONYZE_API_KEY"),
		APIURL: os.Getenv("PERSONYZE_API_URL"),

		SessionKeys: os.Getenv("PERSONYZE_SESSION_KEYS"),
		NoStreaming: os.Getenv("PERSONYZE_NO_STREAMING") == "1",
		RedisURL:    os.Getenv("PERSONYZE_REDIS_URL"),
	}

	if e.Addr == "" {
		e.Addr = DefaultAddr
	}
	return e
}
