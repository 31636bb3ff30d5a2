package personyzeprom_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gopersonyze/personyze/core/personyzeprom"
)

// TestDocNamesEveryMetric: the package documentation lists every metric the Collector
// exports, by its full name, so the list an operator reads cannot fall behind the code.
func TestDocNamesEveryMetric(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan *prometheus.Desc, 64)
	personyzeprom.NewCollector().Describe(ch)
	close(ch)
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	n := 0
	for d := range ch {
		m := fqName.FindStringSubmatch(d.String())
		if m == nil {
			t.Fatalf("no fqName in %s", d)
		}
		n++
		if !strings.Contains(string(doc), m[1]) {
			t.Errorf("doc.go does not name the metric %s", m[1])
		}
	}
	if n < 14 {
		t.Errorf("Describe gave %d metrics, want the 14 the Collector exports", n)
	}
}
