package personyzetest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRecordedRequests(t *testing.T) {
	srv, clock, c := newTestServer(t, Options{})
	tz := -4.0
	body := map[string]any{
		"user_id": 4294967295, "session_id": nil, "new_session": true, "past_sessions": "1700000000",
		"platform": "Linux x86_64", "time_zone": tz, "languages": "en, es", "screen": "1920x1080",
		"os": "Ubuntu/18.04", "device_type": "regular",
		"commands": [][]any{viewed("p1"), {"Product Viewed", "p2", "action_id", 101}, nav("Product%20page")},
	}
	r := call(t, srv, c, body)
	clock.Advance(time.Second)
	postAs(t, srv, c, visit(5, nil), "api", "wrong")
	post(t, srv, c, `{"user_id":5,"commands":[["Nope"]]}`)
	call(t, srv, c, visit(5, nil, []any{"User Profile", "email", "x@y.z"}))
	call(t, srv, c, `{"user_id":-1,"commands":[["Product Viewed","p3"]]}`) // int32 -1 is uint32 4294967295

	recs := srv.Requests()
	if len(recs) != 5 {
		t.Fatalf("recorded %d requests, want 5", len(recs))
	}
	got := recs[0]
	checks := []struct {
		name string
		ok   bool
	}{
		{"UserID", got.UserID == 4294967295},
		{"SessionID nil", got.SessionID == nil},
		{"NewSession", got.NewSession},
		{"PastSessions", got.PastSessions == "1700000000"},
		{"Platform", got.Platform == "Linux x86_64"},
		{"TimeZone", got.TimeZone != nil && *got.TimeZone == -4},
		{"Languages", got.Languages == "en, es"},
		{"Screen", got.Screen == "1920x1080"},
		{"OS", got.OS == "Ubuntu/18.04"},
		{"DeviceType", got.DeviceType == "regular"},
		{"Commands", len(got.Commands) == 3 && got.Commands[1].ItemID() == "p2" && got.Commands[1].ActionID() == 101},
		{"Document", got.Commands[2].Document() == "Product page"},
		{"Header", strings.HasPrefix(got.Header.Get("Authorization"), "Basic ")},
		{"RawBody", json.Valid(got.RawBody) && strings.Contains(string(got.RawBody), `"p2"`)},
		{"Time", got.Time.Equal(t0)},
		{"Status", got.Status == 200 && got.Error == "" && got.Decoded},
		{"ResponseSessionID", got.ResponseSessionID == *r.SessionID},
		{"401 recorded", recs[1].Status == http.StatusUnauthorized && recs[1].Error == "Invalid API key" && recs[1].Time.Equal(t0.Add(time.Second))},
		{"500 recorded", recs[2].Status == 500 && strings.Contains(recs[2].Error, "unknown command") && !recs[2].Decoded},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s: recorded %+v", ch.name, got)
		}
	}

	if n := len(srv.RequestsFor(5)); n != 2 { // the 401 (valid body) and the profile update
		t.Errorf("RequestsFor(5) has %d requests, want 2", n)
	}
	if n := len(srv.RequestsFor(4294967295)); n != 2 {
		t.Errorf("RequestsFor(4294967295) has %d requests, want 2", n)
	}
	views := srv.Commands(4294967295, "product viewed")
	var viewIDs []string
	for _, v := range views {
		viewIDs = append(viewIDs, v.ItemID())
	}
	if !slices.Equal(viewIDs, []string{"p1", "p2", "p3"}) {
		t.Errorf("Commands(…, Product Viewed) = %v, want [p1 p2 p3]", viewIDs)
	}
	if n := len(srv.Commands(5, "User Profile")); n != 1 {
		t.Errorf("Commands(5, User Profile) = %d, want 1 (the 401 was not processed)", n)
	}

	srv.Reset()
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("after Reset %d requests", n)
	}
	if v := srv.Visitor(5); v.Profile["email"] != "x@y.z" {
		t.Errorf("Reset must keep visitor state, got %+v", v)
	}
}

func TestRecordingCap(t *testing.T) {
	srv, _, c := newTestServer(t, Options{MaxRequests: 3})
	for u := uint32(1); u <= 5; u++ {
		call(t, srv, c, visit(u, nil))
	}
	var users []uint32
	for _, r := range srv.Requests() {
		users = append(users, r.UserID)
	}
	if !slices.Equal(users, []uint32{3, 4, 5}) {
		t.Errorf("kept %v, want the last three [3 4 5]", users)
	}
	off, _, c2 := newTestServer(t, Options{MaxRequests: -1})
	call(t, off, c2, visit(1, nil))
	if n := len(off.Requests()); n != 0 {
		t.Errorf("MaxRequests -1 recorded %d", n)
	}
}

// TestRecordingByteCap: large requests reach MaxRecordedBytes before MaxRequests, the
// oldest go first, and a negative cap leaves only the count.
func TestRecordingByteCap(t *testing.T) {
	const perRequest = 20000 // a User Profile value of this size: the body is a bit larger
	big := func(u uint32) map[string]any {
		return visit(u, nil, []any{"User Profile", "note", strings.Repeat("n", perRequest)})
	}
	srv, _, c := newTestServer(t, Options{MaxRequests: 100, MaxRecordedBytes: 5 * perRequest})
	for u := uint32(1); u <= 10; u++ {
		call(t, srv, c, big(u))
	}
	var users []uint32
	for _, r := range srv.Requests() {
		users = append(users, r.UserID)
	}
	// Each record holds its body and the decoded value: about 2 x 20,000 bytes.
	if !slices.Equal(users, []uint32{9, 10}) {
		t.Errorf("kept %v, want the last two [9 10]", users)
	}
	srv.mu.Lock()
	held := srv.reqs.bytes
	srv.mu.Unlock()
	if held > 5*perRequest {
		t.Errorf("records hold %d bytes, over the cap %d", held, 5*perRequest)
	}
	all, _, c2 := newTestServer(t, Options{MaxRequests: 100, MaxRecordedBytes: -1})
	for u := uint32(1); u <= 10; u++ {
		call(t, all, c2, big(u))
	}
	if n := len(all.Requests()); n != 10 {
		t.Errorf("MaxRecordedBytes -1 kept %d of 10 requests", n)
	}
}

// TestRecordingDefaultByteCap: requests of MaxRequestBytes each stay within
// DefaultMaxRecordedBytes, where DefaultMaxRequests of them would hold 500 MB.
func TestRecordingDefaultByteCap(t *testing.T) {
	var r ring[Request]
	rec := Request{RawBody: make([]byte, MaxRequestBytes)}
	for range DefaultMaxRequests {
		r.push(rec, rec.size(), DefaultMaxRequests, DefaultMaxRecordedBytes)
	}
	if r.bytes > DefaultMaxRecordedBytes || len(r.items) != DefaultMaxRecordedBytes/rec.size() {
		t.Errorf("%d records of %d bytes, %d in all; want %d records within %d", len(r.items), rec.size(), r.bytes,
			DefaultMaxRecordedBytes/rec.size(), DefaultMaxRecordedBytes)
	}
}

func TestVisitorHistory(t *testing.T) {
	srv, _, c := newTestServer(t, Options{})
	steps := []struct {
		cmds  [][]any
		check func(v VisitorState) bool
	}{
		{[][]any{viewed("p1"), viewed("p2"), viewed("p1")}, func(v VisitorState) bool { return slices.Equal(v.Viewed, []string{"p1", "p2"}) }},
		{[][]any{{"Product Added to cart", "p1"}, {"Product Added to cart", "p2"}, {"Product Removed from cart", "p2"}},
			func(v VisitorState) bool { return slices.Equal(v.Cart, []string{"p1"}) }},
		{[][]any{{"Product Added to cart", "p3"}, {"Products Purchased"}},
			func(v VisitorState) bool { return len(v.Cart) == 0 && slices.Equal(v.Purchased, []string{"p1", "p3"}) }},
		{[][]any{{"Product Added to cart", "p4"}, {"Products Removed from cart"}}, func(v VisitorState) bool { return len(v.Cart) == 0 }},
		{[][]any{{"Product Added to cart", "p5"}, {"Product Purchased", "p5"}},
			func(v VisitorState) bool { return len(v.Cart) == 0 && slices.Contains(v.Purchased, "p5") }},
		{[][]any{{"Product Liked", "p1"}, {"Product Liked", "p2"}, {"Product Unliked", "p1"}}, func(v VisitorState) bool { return slices.Equal(v.Liked, []string{"p2"}) }},
		{[][]any{{"Products Unliked"}}, func(v VisitorState) bool { return len(v.Liked) == 0 }},
		{[][]any{{"Article Viewed", "a1"}, {"Article Liked", "a1"}, {"Article Liked", "a2"}, {"Article Unliked", "a2"}, {"Article Commented", "a1"}, {"Article Goal", "a1", "action_id", 201}},
			func(v VisitorState) bool {
				return slices.Equal(v.ArticlesViewed, []string{"a1"}) && slices.Equal(v.ArticlesLiked, []string{"a1"}) &&
					slices.Equal(v.ArticlesCommented, []string{"a1"}) && slices.Equal(v.ArticleGoals, []string{"a1"}) && v.Attributions[201] == 1
			}},
		{[][]any{{"Articles Unliked"}}, func(v VisitorState) bool { return len(v.ArticlesLiked) == 0 }},
		{[][]any{{"User Profile", "first_name", "John", "industry", "e-commerce"}, {"User profile", "age", 42}},
			func(v VisitorState) bool {
				return v.Profile["first_name"] == "John" && v.Profile["industry"] == "e-commerce" && v.Profile["age"] == "42"
			}},
		{[][]any{{"User profile", "age", nil}}, func(v VisitorState) bool {
			_, has := v.Profile["age"]
			return !has && v.Profile["first_name"] == "John"
		}},
		{[][]any{{"Product Added to cart", "p6", "action_id", 101}, {"Products Purchased", "action_id", 101}},
			func(v VisitorState) bool { return v.Attributions[101] == 2 && slices.Contains(v.Purchased, "p6") }},
		{[][]any{nav("Product%20page")}, func(v VisitorState) bool { return slices.Equal(v.Documents, []string{"Product page"}) }},
		{[][]any{nav("100% cotton")}, func(v VisitorState) bool { return v.Documents[len(v.Documents)-1] == "100% cotton" }},
	}
	for i, st := range steps {
		call(t, srv, c, visit(77, nil, st.cmds...))
		if v := srv.Visitor(77); !st.check(v) {
			t.Fatalf("step %d (%v): state %+v", i, st.cmds, v)
		}
	}
	if v := srv.Visitor(77); v.Requests != len(steps) {
		t.Errorf("Requests = %d, want %d", v.Requests, len(steps))
	}
	if v := srv.Visitor(78); v.Requests != 0 || v.UserID != 78 {
		t.Errorf("unknown visitor = %+v", v)
	}
	// Snapshots are copies.
	v := srv.Visitor(77)
	v.Viewed[0] = "changed"
	if srv.Visitor(77).Viewed[0] != "p1" {
		t.Error("Visitor returned shared state")
	}
}

func TestFakeClock(t *testing.T) {
	c := NewFakeClock(t0)
	c.Advance(time.Hour)
	if !c.Now().Equal(t0.Add(time.Hour)) {
		t.Errorf("Advance: %v", c.Now())
	}
	c.Set(t0)
	if !c.Now().Equal(t0) {
		t.Errorf("Set: %v", c.Now())
	}
	if d := time.Since(realClock{}.Now()); d < 0 || d > time.Minute {
		t.Errorf("realClock off by %v", d)
	}
}

func TestFaultKindString(t *testing.T) {
	if FaultHang.String() != "FaultHang" || FaultKind(99).String() != "FaultKind(99)" {
		t.Errorf("String: %s %s", FaultHang, FaultKind(99))
	}
}

func TestBoundedState(t *testing.T) {
	srv := newServer(Options{Clock: NewFakeClock(t0)})
	defer srv.Close()
	srv.maxVisitors = 3
	h := srv.Handler()
	for u := 1; u <= 5; u++ {
		body := `{"user_id":` + strconv.Itoa(u) + `,"commands":[["Product Viewed","p1"],["Product Viewed","not-in-catalog-` + strconv.Itoa(u) + `"]]}`
		req := httptest.NewRequest(http.MethodPost, "/rest/tracker-v1", strings.NewReader(body))
		req.SetBasicAuth("api", DefaultAPIKey)
		rw := httptest.NewRecorder()
		h.ServeHTTP(rw, req)
		if rw.Code != 200 {
			t.Fatalf("status %d", rw.Code)
		}
	}
	if srv.Visitor(1).Requests != 0 || srv.Visitor(2).Requests != 0 || srv.Visitor(5).Requests != 1 {
		t.Errorf("want visitors 1 and 2 forgotten and 5 kept")
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if n := len(srv.visitors); n != 3 {
		t.Errorf("%d visitors kept, want 3", n)
	}
	if n := len(srv.pop.productViews); n != 12 {
		t.Errorf("popularity has %d product ids, want only the 12 catalog ids", n)
	}
	if n := srv.pop.productViews["p1"]; n != 5 {
		t.Errorf("p1 viewed by %d visitors, want 5 (forgotten visitors still count)", n)
	}
}

func TestCommandAccessors(t *testing.T) {
	num := json.Number("10")
	tests := []struct {
		name   string
		cmd    Command
		item   string
		action int64
		doc    string
	}{
		{"item view", Command{"Product Viewed", []any{"p1"}}, "p1", 0, ""},
		{"item with action_id", Command{"product added to cart", []any{"p1", "action_id", num}}, "p1", 10, ""},
		{"article with action_id", Command{"Article Goal", []any{"a1", "action_id", num}}, "a1", 10, ""},
		{"bulk with action_id", Command{"Products Purchased", []any{"action_id", num}}, "", 10, ""},
		{"bulk plain", Command{"Products Purchased", nil}, "", 0, ""},
		{"other suffix", Command{"Product Viewed", []any{"p1", "quantity", num}}, "p1", 0, ""},
		{"navigate encoded", Command{"Navigate", []any{NavigatePrefix + "Product%20page"}}, "", 0, "Product page"},
		{"navigate raw percent", Command{"Navigate", []any{NavigatePrefix + "50%off"}}, "", 0, "50%off"},
		{"navigate unencoded", Command{"Navigate", []any{NavigatePrefix + "Product page"}}, "", 0, "Product page"},
		{"status", Command{"Action Status", []any{"10", "executed", ""}}, "", 0, ""},
		{"unknown", Command{"Nope", []any{"x", "action_id", num}}, "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cmd.ItemID(); got != tt.item {
				t.Errorf("ItemID = %q, want %q", got, tt.item)
			}
			if got := tt.cmd.ActionID(); got != tt.action {
				t.Errorf("ActionID = %d, want %d", got, tt.action)
			}
			if got := tt.cmd.Document(); got != tt.doc {
				t.Errorf("Document = %q, want %q", got, tt.doc)
			}
		})
	}
}

// TestVisitorByteBound: visitors with long histories reach the byte bound before the
// visitor bound, the least recently seen are forgotten first, never the one just seen,
// and the running total matches the visitors' sizes counted afresh after every kind of
// change (sets added to, removed from and cleared, profile fields set, replaced and
// cleared, documents, statuses, new sessions).
func TestVisitorByteBound(t *testing.T) {
	clock := NewFakeClock(t0)
	srv := newServer(Options{Clock: clock})
	defer srv.Close()
	const bound = 60000
	srv.maxVisitorBytes = bound
	h := srv.Handler()
	send := func(u uint32, cmds ...[]any) {
		t.Helper()
		body, _ := json.Marshal(visit(u, nil, cmds...))
		req := httptest.NewRequest(http.MethodPost, "/rest/tracker-v1", bytes.NewReader(body))
		req.SetBasicAuth("api", DefaultAPIKey)
		rw := httptest.NewRecorder()
		h.ServeHTTP(rw, req)
		if rw.Code != 200 {
			t.Fatalf("status %d: %s", rw.Code, rw.Body)
		}
	}
	long := strings.Repeat("d", 4000)
	for u := uint32(1); u <= 20; u++ {
		send(u, nav("/"+long), viewed("p1"), viewed("x-"+long), []any{"Product Added to cart", "p2"},
			[]any{"User Profile", "name", long, "city", "Paris"}, []any{"Action Status", "301", "executed", ""})
		send(u, []any{"Product Removed from cart", "p2"}, []any{"User Profile", "name", "short", "city", nil},
			[]any{"Product Added to cart", "p3"}, []any{"Products Purchased"}, []any{"Product Liked", "p1"},
			[]any{"Products Unliked"})
		clock.Advance(SessionDuration) // the next request starts a new session
		srv.mu.Lock()
		total, fresh := srv.visitorBytes, 0
		for _, v := range srv.visitors {
			fresh += recount(v)
		}
		n := len(srv.visitors)
		srv.mu.Unlock()
		if total != fresh {
			t.Fatalf("after visitor %d: running total %d, counted afresh %d", u, total, fresh)
		}
		if total > bound {
			t.Fatalf("after visitor %d: %d bytes held, over %d", u, total, bound)
		}
		if u == 20 && (n >= 20 || n < 2) {
			t.Errorf("%d visitors held: want the byte bound to forget some, not all", n)
		}
	}
	if srv.Visitor(1).Requests != 0 || srv.Visitor(20).Requests != 2 {
		t.Error("want the first visitor forgotten and the last one kept")
	}
}

// recount is visitor.size computed from the visitor's state alone.
func recount(v *visitor) int {
	n := visitorOverhead
	for _, s := range []*orderedSet{&v.viewed, &v.cart, &v.liked, &v.purchased,
		&v.artViewed, &v.artLiked, &v.artCommented, &v.artGoals} {
		for _, id := range s.order {
			n += setEntryBytes(id)
		}
	}
	for _, d := range v.documents {
		n += listEntryBytes(d)
	}
	for _, p := range v.pastSessionIDs {
		n += listEntryBytes(p)
	}
	for k, val := range v.profile {
		n += listEntryBytes(k) + listEntryBytes(val)
	}
	for _, st := range v.statuses {
		n += statusBytes(st)
	}
	return n
}

// TestDuplicateStatuses: the record names the status reports the SDKs' de-duplication
// would have dropped, whatever spelling the client used (any letter case, the action id as
// a JSON integer), and only those.
func TestDuplicateStatuses(t *testing.T) {
	tests := []struct {
		name string
		cmds [][]any
		want []string // the statuses reported, in order
	}{
		{"impression, then click", [][]any{{"Action Status", "7", "executed", ""}, {"Action Status", "7", "product", "p1"}, nav("x")}, nil},
		{"click, then impression", [][]any{{"Action Status", "7", "product", "p1"}, {"Action Status", "7", "executed", ""}, nav("x")}, []string{"executed"}},
		{"spellings", [][]any{{"action status", json.Number("7"), "target", ""}, {"ACTION STATUS", "7", "executed", ""}}, []string{"executed"}},
		{"Navigate between", [][]any{{"Action Status", "7", "target", ""}, {"navigate", NavigatePrefix + "x"}, {"Action Status", "7", "executed", ""}}, nil},
		{"dont-show", [][]any{{"Action Status", "7", "dont-show"}, {"Action Status", "7", "executed", ""}}, nil},
		{"twice", [][]any{{"Action Status", "7", "close", "0"}, viewed("p1"), {"Action Status", "7", "close", "2"}}, []string{"close"}},
	}
	for _, tt := range tests {
		var rec Request
		if err := decodeRequest(bodyBytes(t, visit(1, nil, tt.cmds...)), &rec); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got []string
		for _, c := range rec.DuplicateStatuses() {
			got = append(got, c.Args[1].(string))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: duplicates %v, want %v", tt.name, got, tt.want)
		}
	}
}
