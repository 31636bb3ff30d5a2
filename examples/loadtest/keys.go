package main

import (
	"crypto/rand"
	"encoding/hex"
)

// sessionKeys are the cookie keys (PERSONYZE_SESSION_KEYS) of the measured servers, random
// per run: given an API key, the shop runs as in production and needs stable keys.
var sessionKeys = hex.EncodeToString(randomBytes(64)) + "," + hex.EncodeToString(randomBytes(32))

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return b
}
