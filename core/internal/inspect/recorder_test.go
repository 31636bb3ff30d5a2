package inspect

import (
	"fmt"
	"testing"
	"time"
)

// TestRecorderBounded: a Recorder keeps its newest Size entries, numbered in order, and
// Since answers from where a client left off.
func TestRecorderBounded(t *testing.T) {
	for _, tc := range []struct {
		size, adds, wantSize int
	}{
		{size: 1, adds: 0, wantSize: 1},
		{size: 1, adds: 5, wantSize: 1},
		{size: 4, adds: 3, wantSize: 4},
		{size: 4, adds: 4, wantSize: 4},
		{size: 4, adds: 9, wantSize: 4},
		{size: 0, adds: 150, wantSize: DefaultSize},
		{size: -3, adds: 2, wantSize: DefaultSize},
		{size: MaxSize + 1, adds: 1, wantSize: MaxSize},
	} {
		t.Run(fmt.Sprintf("size %d, %d added", tc.size, tc.adds), func(t *testing.T) {
			r := NewRecorder(tc.size)
			if r.Size() != tc.wantSize {
				t.Fatalf("Size() = %d, want %d", r.Size(), tc.wantSize)
			}
			for i := range tc.adds {
				r.Add(Entry{Path: fmt.Sprintf("/%d", i+1)})
			}
			got, _, last := r.Since(0, nil)
			want := min(tc.adds, tc.wantSize)
			if len(got) != want || last != uint64(tc.adds) {
				t.Fatalf("Since(0) = %d entries, last %d; want %d, %d", len(got), last, want, tc.adds)
			}
			for i, e := range got {
				seq := uint64(tc.adds - want + i + 1)
				if e.Seq != seq || e.Path != fmt.Sprintf("/%d", seq) {
					t.Errorf("entry %d = #%d %s, want #%d /%d (oldest first)", i, e.Seq, e.Path, seq, seq)
				}
			}
			if tc.adds > 0 {
				if after, _, _ := r.Since(uint64(tc.adds-1), nil); len(after) != 1 || after[0].Seq != uint64(tc.adds) {
					t.Errorf("Since(last-1) = %v, want the newest only", after)
				}
			}
		})
	}
}

// TestRecorderWakes: Since's channel is closed by the next Add, not before.
func TestRecorderWakes(t *testing.T) {
	r := NewRecorder(2)
	_, next, _ := r.Since(0, nil)
	select {
	case <-next:
		t.Fatal("woken before any Add")
	default:
	}
	go r.Add(Entry{Path: "/a"})
	select {
	case <-next:
	case <-time.After(10 * time.Second):
		t.Fatal("Add did not wake the waiting stream")
	}
	if got, _, _ := r.Since(0, func(e *Entry) bool { return e.Path == "/b" }); len(got) != 0 {
		t.Errorf("filter kept %v", got)
	}
}

// TestLogCommands: the debug log's commands, with a Navigate's document decoded and a
// profile value left out.
func TestLogCommands(t *testing.T) {
	for _, tc := range []struct {
		cmds []Command
		want string
	}{
		{nil, ""},
		{[]Command{{Name: "Navigate", Args: []string{"urn:personyze:doc:%2Fproducts%2Fp1"}}}, "Navigate(/products/p1)"},
		{[]Command{{Name: "Product Viewed", Args: []string{"p1"}, ActionID: 5}, {Name: "Products Purchased", ActionID: 7}},
			"Product Viewed(p1, action_id=5), Products Purchased(action_id=7)"},
		{[]Command{{Name: "User Profile", Args: []string{"email", "ann@example.com"}}}, "User Profile(email, …)"},
		{[]Command{{Name: "Action Status", Args: []string{"12", "executed", ""}}}, `Action Status(12, executed, "")`},
		{[]Command{{Name: "Navigate", Args: []string{"urn:personyze:doc:%zz"}}}, "Navigate(urn:personyze:doc:%zz)"},
	} {
		if got := LogCommands(tc.cmds); got != tc.want {
			t.Errorf("LogCommands(%v) = %q, want %q", tc.cmds, got, tc.want)
		}
	}
}
