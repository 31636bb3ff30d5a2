package personyzeredis_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestCoreLinksNoRedis: a program using core and an adapter, without this package, links
// no go-redis package (go list -deps); this package does.
func TestCoreLinksNoRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	const mod = "github.com/gopersonyze/personyze/"
	redisDeps := func(pkgs ...string) []string {
		gobin, err := exec.LookPath("go")
		if err != nil {
			gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		out, err := exec.Command(gobin, append([]string{"list", "-deps"}, pkgs...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %v: %v\n%s", pkgs, err, out)
		}
		return slices.DeleteFunc(strings.Fields(string(out)), func(p string) bool {
			return !strings.HasPrefix(p, "github.com/redis/")
		})
	}
	if found := redisDeps(mod+"core", mod+"nethttp", mod+"ginadapter", mod+"echoadapter"); len(found) > 0 {
		t.Errorf("core and the adapters depend on %v", found)
	}
	if found := redisDeps(mod + "core/personyzeredis"); !slices.Contains(found, "github.com/redis/go-redis/v9") {
		t.Errorf("personyzeredis' Redis dependencies: %v", found)
	}
}
