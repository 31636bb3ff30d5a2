package core_test

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// memoryStore is a VisitorStore in a map: what two Trackers of one process share in a test
// of several instances. Production uses core/personyzeredis.
type memoryStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (s *memoryStore) Get(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[key], nil
}

func (s *memoryStore) Set(_ context.Context, key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = value
	return nil
}

// Two instances of an application share one VisitorStore (and the session keys), so a
// visitor's late answers, stale recommendations and merges follow them from one to the
// other.
func ExampleVisitorStore() {
	sim := personyzetest.NewServer(personyzetest.Options{})
	defer sim.Close()
	store := &memoryStore{m: map[string][]byte{}}
	keys := [][]byte{[]byte(strings.Repeat("h", 64)), []byte(strings.Repeat("e", 32))}
	var instances []*core.Tracker
	for range 2 {
		tr, err := core.New(core.Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), SessionKeys: keys,
			VisitorStore: store})
		if err != nil {
			fmt.Println(err)
			return
		}
		defer tr.Close(context.Background())
		instances = append(instances, tr)
	}
	fmt.Println(len(instances), "instances; a page waits for the store at most", instances[0].Config().StoreTimeout)
	// Output: 2 instances; a page waits for the store at most 20ms
}
