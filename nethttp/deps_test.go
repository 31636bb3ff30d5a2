package nethttp_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// telemetryModules are the module paths only the integration packages may pull in.
var telemetryModules = []string{"go.opentelemetry.io/", "github.com/prometheus/"}

// goList returns the packages go list -deps reports for pkgs.
func goList(t *testing.T, pkgs ...string) []string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(gobin, append([]string{"list", "-deps"}, pkgs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %v: %v\n%s", pkgs, err, out)
	}
	return strings.Fields(string(out))
}

func telemetry(deps []string) []string {
	var found []string
	for _, d := range deps {
		for _, m := range telemetryModules {
			if strings.HasPrefix(d, m) {
				found = append(found, d)
			}
		}
	}
	return found
}

// TestNoTelemetryDependencies: a net/http program that uses core and nethttp (the demo shop)
// links no OpenTelemetry or Prometheus package; only core/personyzeotel and
// core/personyzeprom do.
func TestNoTelemetryDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	const mod = "github.com/gopersonyze/personyze/"
	if found := telemetry(goList(t, mod+"core", mod+"nethttp", mod+"examples/nethttp")); len(found) > 0 {
		t.Errorf("a net/http-only program depends on %v", found)
	}
	// The check can fail: the integration packages do pull them in.
	found := strings.Join(telemetry(goList(t, mod+"core/personyzeotel", mod+"core/personyzeprom")), " ")
	if !strings.Contains(found, "go.opentelemetry.io/otel") || !strings.Contains(found, "github.com/prometheus/client_golang") {
		t.Errorf("integration packages' telemetry dependencies: %q", found)
	}
}
