package core_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/gopersonyze/personyze/core"
	"github.com/gopersonyze/personyze/core/personyzetest"
)

// heldMemoryStore is memoryStore with the held statuses' lists: a VisitorStore that is also
// a HeldReportStore. Production uses core/personyzeredis.
type heldMemoryStore struct {
	*memoryStore
	mu    sync.Mutex
	lists map[string][][]byte
}

func (s *heldMemoryStore) PushHeld(_ context.Context, key string, entry []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lists[key] = append(s.lists[key], entry)
	return nil
}

// TakeHeld returns and removes the whole list under one lock: no entry goes to two calls.
func (s *heldMemoryStore) TakeHeld(_ context.Context, key string) ([][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	es := s.lists[key]
	delete(s.lists, key)
	return es, nil
}

// RemoveHeld says whether this call removed the entry: the instance that held it sends it
// only then.
func (s *heldMemoryStore) RemoveHeld(_ context.Context, key string, entry []byte) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, e := range s.lists[key] {
		if bytes.Equal(e, entry) {
			s.lists[key] = append(s.lists[key][:i:i], s.lists[key][i+1:]...)
			return true, nil
		}
	}
	return false, nil
}

// A VisitorStore that also implements HeldReportStore shares the action statuses a page
// holds for the visitor's next call, so that call carries them on whichever instance it
// lands. The Tracker finds the interface on Config.VisitorStore itself.
func ExampleHeldReportStore() {
	sim := personyzetest.NewServer(personyzetest.Options{})
	defer sim.Close()
	store := &heldMemoryStore{memoryStore: &memoryStore{m: map[string][]byte{}}, lists: map[string][][]byte{}}
	keys := [][]byte{[]byte(strings.Repeat("h", 64)), []byte(strings.Repeat("e", 32))}
	tr, err := core.New(core.Config{APIKey: sim.APIKey(), BaseURL: sim.URL(), SessionKeys: keys,
		VisitorStore: store})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tr.Close(context.Background())
	_, shared := tr.Config().VisitorStore.(core.HeldReportStore)
	fmt.Println("held statuses shared among instances:", shared)
	// Output: held statuses shared among instances: true
}
