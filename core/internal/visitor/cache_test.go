package visitor

import (
	"strconv"
	"sync"
	"testing"
)

func TestUACacheBound(t *testing.T) {
	for _, size := range []int{1, 2, 7, 255, 256, 1000, 4096} {
		c := newUACache(size)
		if c.capacity() != size {
			t.Fatalf("size %d: capacity %d", size, c.capacity())
		}
		for i := 0; i < size*3+10; i++ {
			c.put("ua-"+strconv.Itoa(i), uaFacts{osName: strconv.Itoa(i)})
			if n := c.len(); n > size {
				t.Fatalf("size %d: grew to %d after %d puts", size, n, i+1)
			}
		}
		if n := c.len(); n < size*9/10 {
			t.Errorf("size %d: holds only %d entries when full", size, n)
		}
		// The most recent entry is always there, with its own value.
		last := strconv.Itoa(size*3 + 9)
		if f, ok := c.get("ua-" + last); !ok || f.osName != last {
			t.Errorf("size %d: newest entry missing", size)
		}
	}
	if newUACache(0) != nil || newUACache(-5) != nil {
		t.Error("size <= 0 must give no cache")
	}
}

func TestUACacheLRU(t *testing.T) {
	c := newUACache(3)
	c.put("a", uaFacts{osName: "a"})
	c.put("b", uaFacts{osName: "b"})
	c.put("c", uaFacts{osName: "c"})
	c.get("a")                       // a is now the most recent; b the oldest
	c.put("d", uaFacts{osName: "d"}) // evicts b
	for key, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		if _, ok := c.get(key); ok != want {
			t.Errorf("%s present=%v, want %v", key, ok, want)
		}
	}
	c.put("a", uaFacts{osName: "a2"}) // update in place
	if f, _ := c.get("a"); f.osName != "a2" || c.len() != 3 {
		t.Errorf("update: got %q len %d", f.osName, c.len())
	}
	big := string(make([]byte, uaCacheMaxKey+1))
	c.put(big, uaFacts{})
	if _, ok := c.get(big); ok {
		t.Error("over-long key was cached")
	}
}

func TestUACacheConcurrent(t *testing.T) {
	const size = 300 // sharded
	d := NewDetector(size, nil)
	corpus := uaTestCorpus()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 400 {
				ua := corpus[(g+i)%len(corpus)]
				if i%2 == 1 {
					ua += " X/" + strconv.Itoa(g*1000+i) // distinct keys force eviction
				}
				h := map[string][]string{"User-Agent": {ua}}
				if dev := d.Detect(h); dev.Type == "" {
					t.Errorf("empty type for %q", ua)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := d.cache.len(); n > size {
		t.Errorf("cache grew to %d > %d", n, size)
	}
}
