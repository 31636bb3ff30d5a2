package wire

import (
	"fmt"
	"slices"
	"testing"
)

func TestDuplicateStatuses(t *testing.T) {
	st := func(id, s, arg string) Command { return Command{Name: actionStatus, Args: []string{id, s, arg}} }
	nav := Command{Name: "Navigate", Args: []string{"urn:personyze:doc:%2F"}, Navigate: true}
	pv := Command{Name: "Product Viewed", Args: []string{"p1"}, ActionID: 73}
	dontShow := Command{Name: actionStatus, Args: []string{"73", "dont-show"}}
	tests := []struct {
		name string
		cmds []Command
		want []int
	}{
		{"none", nil, nil},
		{"impression, then the click it caused", []Command{st("73", "executed", ""), pv, st("73", "product", "p1"), nav}, nil},
		{"click, then the impression it followed", []Command{pv, st("73", "product", "p1"), st("73", "executed", ""), nav}, []int{2}},
		{"same status twice", []Command{st("73", "product", "p1"), st("73", "product", "p2")}, []int{1}},
		{"executed twice", []Command{st("73", "executed", ""), st("73", "executed", "")}, []int{1}},
		{"other status after executed", []Command{st("73", "executed", ""), st("73", "target", "")}, nil},
		{"other action", []Command{st("74", "product", "p1"), st("73", "executed", "")}, nil},
		{"a Navigate ends the page", []Command{st("73", "product", "p1"), nav, st("73", "executed", "")}, nil},
		{"events do not end it", []Command{st("73", "close", "0"), pv, st("73", "close", "1")}, []int{2}},
		{"dont-show takes no part", []Command{dontShow, st("73", "executed", ""), dontShow}, nil},
		{"every drop is listed", []Command{st("1", "target", ""), st("1", "executed", ""), st("1", "target", "")}, []int{1, 2}},
	}
	for _, tt := range tests {
		if got := DuplicateStatuses(tt.cmds); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestJoin(t *testing.T) {
	st := func(id, s string) Command { return Command{Name: actionStatus, Args: []string{id, s, ""}} }
	nav := Command{Name: "Navigate", Navigate: true}
	tests := []struct {
		name       string
		prev, next []Command
		ok         bool
	}{
		{"empty", nil, nil, true},
		{"impression before click", []Command{st("7", "executed")}, []Command{st("7", "product"), nav}, true},
		{"executed again", []Command{st("7", "executed")}, []Command{st("7", "executed"), nav}, false},
		{"click before impression", []Command{st("7", "target")}, []Command{st("7", "executed")}, false},
		{"a Navigate in next ends prev's page", []Command{st("7", "executed")}, []Command{nav, st("7", "executed")}, true},
		{"other actions", []Command{st("7", "executed")}, []Command{st("8", "executed")}, true},
	}
	for _, tt := range tests {
		got, ok := Join(tt.prev, tt.next)
		if ok != tt.ok {
			t.Errorf("%s: ok %v, want %v", tt.name, ok, tt.ok)
			continue
		}
		if ok && fmt.Sprint(got) != fmt.Sprint(append(slices.Clone(tt.prev), tt.next...)) {
			t.Errorf("%s: joined %v", tt.name, got)
		}
		if ok && len(tt.prev) > 0 && &got[0] == &tt.prev[0] {
			t.Errorf("%s: Join reused prev's array", tt.name)
		}
	}
}
