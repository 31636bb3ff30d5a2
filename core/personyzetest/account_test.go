package personyzetest

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func (r testResponse) conditionIDs() []int64 {
	var out []int64
	for _, c := range r.Conditions {
		out = append(out, c.ID)
	}
	return out
}

func (r testResponse) actionIDs() []int64 {
	var out []int64
	for _, a := range r.Actions {
		out = append(out, a.ID)
	}
	return out
}

func (r testResponse) data(id int64) map[string]string {
	for _, a := range r.Actions {
		if a.ID == id {
			return a.Data
		}
	}
	return nil
}

func TestDemoAccountAnswers(t *testing.T) {
	srv, _, c := newTestServer(t, Options{})
	added := []any{"Product Added to cart", "p2"}
	tests := []struct {
		name        string
		user        uint32
		cmds        [][]any
		wantConds   []int64
		wantActions []int64 // the account's actions, after the recommendations
		dismissC    []int64
		dismissA    []int64
	}{
		{"home page", 1, [][]any{nav("/")}, []int64{5, 11}, []int64{301}, nil, nil},
		{"product page", 1, [][]any{viewed("p1"), nav("/products/p1")}, []int64{5, 11, 12}, []int64{301, 302}, nil, nil},
		{"event only, nothing new", 1, [][]any{{"Product Liked", "p1"}}, nil, nil, nil, nil},
		{"add to cart starts the reminder", 1, [][]any{added}, []int64{13}, []int64{303}, nil, nil},
		{"page view with a cart", 1, [][]any{nav("/cart")}, []int64{5, 11, 13}, []int64{301, 303}, nil, nil},
		{"checkout dismisses it", 1, [][]any{{"Products Purchased"}}, nil, nil, []int64{13}, []int64{303}},
		{"emptying the cart dismisses it", 2, [][]any{added, {"Products Removed from cart", "action_id", 5}}, []int64{13}, []int64{303}, []int64{13}, []int64{303}},
		{"rules ignored on page views", 3, [][]any{added, {"Products Purchased"}, nav("/thanks")}, []int64{5, 11}, []int64{301}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, srv, c, visit(tt.user, nil, tt.cmds...))
			got := slices.DeleteFunc(r.actionIDs(), func(id int64) bool {
				return id == ActionViewedTogether || id == ActionPopular || id == ActionArticles
			})
			if !slices.Equal(r.conditionIDs(), tt.wantConds) || !slices.Equal(got, tt.wantActions) {
				t.Errorf("conditions %v actions %v, want %v and %v", r.conditionIDs(), got, tt.wantConds, tt.wantActions)
			}
			if !slices.Equal(r.DismissConditions, orEmpty(tt.dismissC)) || !slices.Equal(r.DismissActions, orEmpty(tt.dismissA)) {
				t.Errorf("dismiss %v %v, want %v %v", r.DismissConditions, r.DismissActions, tt.dismissC, tt.dismissA)
			}
		})
	}
	r := call(t, srv, c, visit(9, nil, nav("/")))
	if d := r.data(ActionSummerBanner); d["message"] != "Summer sale: free shipping on every order this week" || d["data"] != "" {
		t.Errorf("banner data %v", d)
	}
}

func TestCustomAccount(t *testing.T) {
	acc := Account{
		Placeholders: []Placeholder{{ID: 7, Name: "footer", UnitsCountMax: 3}},
		Actions: []Action{
			{ID: 70, Name: "Footer promo", ContentType: ContentTypeHTML, ContentParam: "html",
				Placeholders: []int64{7}, Data: map[string]string{"html": "<b>hi</b>"}},
			{ID: 71, Name: "Static picks", ContentType: ContentTypeJSON, ContentParam: "data", ContentBegin: "[", ContentEnd: "]",
				Data: map[string]string{"data": `{"internal_id":"x"}`}},
			{ID: 72, Name: "No data", ContentType: ContentTypeHTML},
		},
		Conditions: []Condition{
			{ID: 40, Name: "Articles", Documents: []string{"/articles/*"}, Actions: []int64{70}},
			{ID: 41, Name: "Likers", Events: []string{"product liked"}, Actions: []int64{71, 70}},
			{ID: 42, Name: "User 3", Match: func(p PageView) bool { return p.UserID == 3 && p.Visitor().Requests > 1 }, Actions: []int64{72}},
			{ID: 43, Name: "Campaign without actions", Documents: []string{"/"}},
		},
		EventRules: []EventRule{{On: "Product Liked", DismissConditions: []int64{40}, DismissActions: []int64{70, 999}}},
	}
	srv, _, c := newTestServer(t, Options{Account: &acc, Products: []Product{}, Articles: []Article{}})
	// The caller's Account is copied: later changes do not reach the server.
	acc.Actions[0].Data["html"] = "changed"
	acc.Conditions[0].Documents[0] = "nothing"

	tests := []struct {
		name                string
		user                uint32
		cmds                [][]any
		conds, acts, dc, da []int64
	}{
		{"document match", 1, [][]any{nav("/articles/a1")}, []int64{40}, []int64{70}, nil, nil},
		{"encoded document", 1, [][]any{nav("/articles/a%201")}, []int64{40}, []int64{70}, nil, nil},
		{"no match", 1, [][]any{nav("/articles")}, nil, nil, nil, nil},
		{"event match, repeats once", 1, [][]any{{"Product Liked", "p"}, nav("/articles/x")}, []int64{40, 41}, []int64{70, 71}, nil, nil},
		{"campaign without actions", 1, [][]any{nav("/")}, []int64{43}, nil, nil, nil},
		{"match func, first request", 3, [][]any{nav("/x")}, nil, nil, nil, nil},
		{"match func, second request", 3, [][]any{nav("/x")}, []int64{42}, []int64{72}, nil, nil},
		{"event rule", 1, [][]any{{"product liked", "p"}}, nil, nil, []int64{40}, []int64{70, 999}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, srv, c, visit(tt.user, nil, tt.cmds...))
			if !slices.Equal(r.conditionIDs(), tt.conds) || !slices.Equal(r.actionIDs(), tt.acts) ||
				!slices.Equal(r.DismissConditions, orEmpty(tt.dc)) || !slices.Equal(r.DismissActions, orEmpty(tt.da)) {
				t.Errorf("got %v %v dismiss %v %v; want %v %v dismiss %v %v", r.conditionIDs(), r.actionIDs(),
					r.DismissConditions, r.DismissActions, tt.conds, tt.acts, tt.dc, tt.da)
			}
		})
	}
	r := call(t, srv, c, visit(1, nil, nav("/articles/a")))
	if r.data(70)["html"] != "<b>hi</b>" {
		t.Errorf("action 70 data %v", r.data(70))
	}
	r = call(t, srv, c, visit(3, nil, nav("/")))
	if d := r.data(72); d == nil || len(d) != 0 {
		t.Errorf("an action without Data is sent with an empty object, got %v", d)
	}
	status, body := get(t, srv, c, "placeholders/where/id:7", srv.APIKey())
	if want := `[{"id":7,"name":"footer","html_id":null,"units_count_max":3}]`; status != 200 || body != want {
		t.Errorf("placeholder with empty html_id: %d %s, want %s", status, body, want)
	}
}

func TestAccountValidate(t *testing.T) {
	ok := func(a *Account) {}
	tests := []struct {
		name   string
		change func(a *Account)
		err    string
	}{
		{"demo", ok, ""},
		{"empty", func(a *Account) { *a = Account{} }, ""},
		{"action id zero", func(a *Account) { a.Actions[0].ID = 0 }, "action id 0"},
		{"action reuses built-in", func(a *Account) { a.Actions[0].ID = ActionPopular }, "action id 102"},
		{"action twice", func(a *Account) { a.Actions[1].ID = a.Actions[0].ID }, "used twice"},
		{"unknown placeholder", func(a *Account) { a.Actions[0].Placeholders = []int64{99} }, "placeholder 99"},
		{"placeholder twice", func(a *Account) { a.Placeholders[1].ID = 1 }, "placeholder id 1"},
		{"negative units", func(a *Account) { a.Placeholders[0].UnitsCountMax = -1 }, "UnitsCountMax"},
		{"condition reuses built-in", func(a *Account) { a.Conditions[0].ID = ConditionRecommendations }, "condition id 5"},
		{"condition shows unknown action", func(a *Account) { a.Conditions[0].Actions = []int64{404} }, "action 404"},
		{"condition shows built-in action", func(a *Account) { a.Conditions[0].Actions = []int64{ActionPopular} }, ""},
		{"bad pattern", func(a *Account) { a.Conditions[0].Documents = []string{"["} }, "pattern"},
		{"unknown event", func(a *Account) { a.Conditions[0].Events = []string{"Product Stolen"} }, "Product Stolen"},
		{"rule on navigate", func(a *Account) { a.EventRules[0].On = "navigate" }, "not an event command"},
		{"rule on unknown", func(a *Account) { a.EventRules[0].On = "" }, "not an event command"},
		{"rule starts unknown", func(a *Account) { a.EventRules[0].Conditions = []int64{77} }, "condition 77"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := DemoAccount()
			tt.change(&a)
			err := a.Validate()
			if tt.err == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted, want an error containing %q", tt.err)
			}
			mustContain(t, err.Error(), tt.err)
		})
	}
}

func TestInvalidAccount(t *testing.T) {
	bad := Account{Conditions: []Condition{{ID: 1, Actions: []int64{2}}}}
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(r.(string), "action 2") {
				t.Errorf("NewServer with an invalid account: recovered %v, want a panic naming action 2", r)
			}
		}()
		NewServer(Options{Account: &bad}).Close()
	}()

	srv, _, c := newTestServer(t, Options{})
	if err := srv.SetAccount(bad); err == nil {
		t.Fatal("SetAccount accepted an invalid account")
	}
	r := call(t, srv, c, visit(1, nil, nav("/")))
	if !slices.Contains(r.actionIDs(), ActionSummerBanner) {
		t.Errorf("a refused SetAccount must keep the old account; actions %v", r.actionIDs())
	}
}

func TestSetAccountAndCacheVersion(t *testing.T) {
	srv, _, c := newTestServer(t, Options{})
	if v := srv.CacheVersion(); v != InitialCacheVersion {
		t.Fatalf("CacheVersion() = %d, want %d", v, InitialCacheVersion)
	}
	r := call(t, srv, c, visit(1, nil, nav("/")))
	if r.CacheVersion != InitialCacheVersion {
		t.Errorf("cache_version %d, want %d", r.CacheVersion, InitialCacheVersion)
	}

	acc := DemoAccount()
	acc.Actions[0].Name = "Winter sale banner"
	acc.Actions[0].Data = map[string]string{"message": "Winter sale"}
	if err := srv.SetAccount(acc); err != nil {
		t.Fatal(err)
	}
	// Without a bump, clients are not told; the tracker already sends the new data.
	r = call(t, srv, c, visit(1, nil, nav("/")))
	if r.CacheVersion != InitialCacheVersion || r.data(ActionSummerBanner)["message"] != "Winter sale" {
		t.Errorf("after SetAccount: cache_version %d, data %v", r.CacheVersion, r.data(ActionSummerBanner))
	}
	if _, body := get(t, srv, c, "actions/columns/name/where/id:301", srv.APIKey()); body != `[{"name":"Winter sale banner"}]` {
		t.Errorf("metadata after SetAccount: %s", body)
	}

	if v := srv.BumpCacheVersion(); v != InitialCacheVersion+1 || srv.CacheVersion() != v {
		t.Fatalf("BumpCacheVersion() = %d, CacheVersion() = %d", v, srv.CacheVersion())
	}
	// Every answer carries the current version, page views and event-only calls alike.
	for _, body := range []map[string]any{visit(1, nil, nav("/")), visit(1, nil, viewed("p1")), visit(2, nil)} {
		if r := call(t, srv, c, body); r.CacheVersion != InitialCacheVersion+1 {
			t.Errorf("cache_version %d after the bump, want %d", r.CacheVersion, InitialCacheVersion+1)
		}
	}
}

func TestActionStatuses(t *testing.T) {
	srv, clock, c := newTestServer(t, Options{})
	r := call(t, srv, c, visit(5, nil,
		[]any{"Action Status", "301", "executed", ""},
		[]any{"Action Status", "102", "product", "p3"},
		nav("/")))
	first := *r.SessionID
	clock.Advance(time.Minute)
	call(t, srv, c, visit(5, &first, []any{"Action Status", 301, "close", 2}))
	post(t, srv, c, `{"user_id":5,"commands":[["Action Status","301","bogus",""]]}`) // refused: not recorded
	postAs(t, srv, c, visit(5, &first, []any{"Action Status", "301", "target", ""}), "api", "bad")
	clock.Advance(SessionDuration)
	r = call(t, srv, c, visit(5, &first, []any{"Action Status", "301", "dont-show"}))
	second := *r.SessionID

	want := []ActionStatus{
		{ActionID: 301, Status: StatusExecuted, Arg: "", SessionID: first, Time: t0},
		{ActionID: 102, Status: StatusProduct, Arg: "p3", SessionID: first, Time: t0},
		{ActionID: 301, Status: StatusClose, Arg: "2", SessionID: first, Time: t0.Add(time.Minute)},
		{ActionID: 301, Status: StatusDontShow, Arg: "", SessionID: second, Time: t0.Add(time.Minute + SessionDuration)},
	}
	got := srv.ActionStatuses(5)
	if !slices.EqualFunc(got, want, func(a, b ActionStatus) bool { return a == b }) {
		t.Errorf("ActionStatuses(5) =\n%+v\nwant\n%+v", got, want)
	}
	if first == second {
		t.Error("the session did not rotate after 90 minutes")
	}
	if v := srv.Visitor(5); len(v.ActionStatuses) != 4 {
		t.Errorf("VisitorState.ActionStatuses has %d entries, want 4", len(v.ActionStatuses))
	}
	if got := srv.ActionStatuses(6); got != nil {
		t.Errorf("unknown visitor: %v", got)
	}
	got[0].Status = "changed"
	if srv.ActionStatuses(5)[0].Status != StatusExecuted {
		t.Error("ActionStatuses returned shared state")
	}
}

func TestActionContent(t *testing.T) {
	tests := []struct {
		name string
		a    Action
		want string
	}{
		{"demo banner", DemoAccount().Actions[0],
			`<div class="personyze-banner"><strong>Summer sale: free shipping on every order this week</strong> <a class="personyze-cta" href="/">Shop the sale</a></div>`},
		{"no param", Action{ContentBegin: "<p>", ContentEnd: "</p>", Data: map[string]string{"": "x"}}, "<p></p>"},
		{"param missing from data", Action{ContentParam: "html", ContentBegin: "[", ContentEnd: "]"}, "[]"},
		{"json", Action{ContentParam: "data", ContentBegin: "[", ContentEnd: "]", Data: map[string]string{"data": `{"a":1}`}}, `[{"a":1}]`},
	}
	for _, tt := range tests {
		if got := tt.a.Content(); got != tt.want {
			t.Errorf("%s: Content() = %q, want %q", tt.name, got, tt.want)
		}
	}
}
