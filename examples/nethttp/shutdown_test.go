//go:build unix

package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gopersonyze/personyze/core/personyzetest"
	"github.com/gopersonyze/personyze/examples/shop"
)

const chromeUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"

// TestSIGTERMDeliversQueuedEvents builds this example, runs it as in production against a
// simulator in the test process, makes Personyze fail until the circuit breaker opens and
// later page views' events wait in the delivery queue, then sends SIGTERM: the binary
// stops serving, shuts its server down and closes the Tracker, and every product view
// reaches the simulator.
func TestSIGTERMDeliversQueuedEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the example")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "shop")
	if out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	sim := personyzetest.NewServer(personyzetest.Options{Seed: 1})
	defer sim.Close()
	keys := hex.EncodeToString(randomBytes(t, 64)) + "," + hex.EncodeToString(randomBytes(t, 32))

	cmd := exec.Command(bin)
	cmd.Env = []string{"ADDR=127.0.0.1:0", "PERSONYZE_API_KEY=" + sim.APIKey(),
		"PERSONYZE_API_URL=" + sim.URL(), "PERSONYZE_SESSION_KEYS=" + keys}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	var logMu sync.Mutex
	var logs strings.Builder
	urls := make(chan string, 1)
	go func() {
		listening := regexp.MustCompile(`demo shop listening url=(\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logMu.Lock()
			logs.WriteString(sc.Text() + "\n")
			logMu.Unlock()
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		exited <- cmd.Wait()
	}()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
		if t.Failed() {
			logMu.Lock()
			t.Logf("shop output:\n%s", logs.String())
			logMu.Unlock()
		}
	}()
	var base string
	select {
	case base = <-urls:
	case err := <-exited:
		t.Fatalf("the shop exited at start-up: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the shop did not start listening")
	}

	client := &http.Client{Timeout: 10 * time.Second}
	view := func(id string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+"products/"+id, nil)
		req.Header.Set("User-Agent", chromeUA)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /products/%s: %d", id, resp.StatusCode)
		}
	}
	products := shop.NewCatalog().Products()
	if len(products) < 8 {
		t.Fatalf("catalog of %d products", len(products))
	}
	// Personyze fails: five failing page calls open the breaker (their requests wait
	// for a retry), and the next pages do not call at all (their events are queued
	// until the breaker's 10-second cooldown ends).
	sim.SetFault(personyzetest.Fault{Kind: personyzetest.FaultStatus, Status: http.StatusInternalServerError})
	var ids []string
	for _, p := range products[:8] {
		view(p.ID)
		ids = append(ids, p.ID)
	}
	sim.ClearFault()
	delivered := func() map[string]bool {
		got := map[string]bool{}
		for _, r := range sim.Requests() {
			for _, c := range r.Commands {
				if r.Status == http.StatusOK && c.Name == "Product Viewed" {
					got[c.ItemID()] = true
				}
			}
		}
		return got
	}
	for _, id := range ids[5:] {
		if delivered()[id] {
			t.Fatalf("product %s delivered before SIGTERM: the breaker did not hold it back", id)
		}
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("the shop exited with %v", err)
		}
	case <-time.After(time.Duration(shop.ShutdownTimeout+shop.CloseTimeout) + 10*time.Second):
		t.Fatal("the shop did not exit after SIGTERM")
	}
	got := delivered()
	var missing []string
	for _, id := range ids {
		if !got[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		t.Errorf("product views not delivered after SIGTERM: %v", missing)
	}
	logMu.Lock()
	out := logs.String()
	logMu.Unlock()
	for _, want := range []string{"personyze: reachable, API key accepted", "demo shop stopped"} {
		if !strings.Contains(out, want) {
			t.Errorf("the shop did not log %q", want)
		}
	}
	if strings.Contains(out, "not every event was delivered") {
		t.Errorf("the shop reported undelivered events")
	}
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}
