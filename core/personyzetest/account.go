package personyzetest

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
)

// Content types of actions, as the actions metadata endpoint reports them.
const (
	// ContentTypeJSON marks a recommendation action whose content is a JSON array of items.
	ContentTypeJSON = "application/json"
	// ContentTypeHTML marks an action whose content is an HTML fragment, such as a banner.
	ContentTypeHTML = "text/html"
)

// Ids of the demo account's campaigns, HTML actions and placeholders (see DemoAccount).
const (
	// ConditionSummerSale ("Summer sale") applies to every page view and shows
	// ActionSummerBanner in the "home-banner" placeholder.
	ConditionSummerSale int64 = 11
	// ConditionProductPage ("Product page visitors") applies to page views that carry a
	// "Product Viewed" command and shows ActionProductNote in "product-sidebar".
	ConditionProductPage int64 = 12
	// ConditionCartReminder ("Cart reminder") applies to page views of a visitor whose
	// cart is not empty and shows ActionCartReminder in "product-sidebar". An event-only
	// request with "Product Added to cart" starts it; one with "Products Purchased" or
	// "Products Removed from cart" dismisses it.
	ConditionCartReminder int64 = 13

	// ActionSummerBanner is the "Summer sale banner" HTML action.
	ActionSummerBanner int64 = 301
	// ActionProductNote is the "Free returns note" HTML action.
	ActionProductNote int64 = 302
	// ActionCartReminder is the "Cart reminder" HTML action.
	ActionCartReminder int64 = 303

	// PlaceholderHomeBanner is the placeholder named "home-banner" (one action at most).
	PlaceholderHomeBanner int64 = 1
	// PlaceholderProductSidebar is the placeholder named "product-sidebar" (two at most).
	PlaceholderProductSidebar int64 = 2
)

// Account is what a Personyze account defines besides its catalog: campaigns
// (conditions), the actions they show, the placeholders those actions are targeted at,
// and how event-only requests change a visitor's campaigns. Options.Account sets it and
// Server.SetAccount replaces it at run time.
//
// The built-in recommendation actions (ActionViewedTogether, ActionPopular,
// ActionArticles) and their condition ConditionRecommendations exist in every account;
// their ids cannot be reused.
type Account struct {
	Conditions   []Condition
	Actions      []Action
	Placeholders []Placeholder
	// EventRules shape the answers to event-only requests (requests without a Navigate).
	EventRules []EventRule
}

// Condition is a campaign. It applies to a page view (a request with a Navigate) when all
// of its set filters hold; with none set it applies to every page view. The answer then
// lists it in "conditions" and its Actions in "actions".
type Condition struct {
	ID   int64
	Name string
	// Actions are the ids of the actions the campaign shows, in order.
	Actions []int64
	// Documents, when not empty, limits the campaign to page views whose document name
	// (the decoded Navigate argument without its prefix) matches one of these path.Match
	// patterns, e.g. "/products/*".
	Documents []string
	// Events, when not empty, limits the campaign to page views whose request also
	// carries one of these commands (names matched case-insensitively).
	Events []string
	// Match, when not nil, must also return true. It runs while the simulator holds its
	// lock: it must not call the Server's methods.
	Match func(PageView) bool
}

// Action is an action of the account: its metadata row (what the actions endpoint
// returns) and the data the tracker sends with it. The content a client renders is
// ContentBegin + Data[ContentParam] + ContentEnd.
type Action struct {
	ID   int64
	Name string
	// ContentType is ContentTypeHTML, ContentTypeJSON or any other MIME type.
	ContentType  string
	ContentParam string // the key of Data that holds the variable part
	ContentBegin string
	ContentEnd   string
	// LibsApp is the comma-separated list of Personyze JavaScript libraries the action
	// needs in an app's web view.
	LibsApp string
	// Placeholders are the ids of the placeholders the action is targeted at.
	Placeholders []int64
	// Data is the "data" object the tracker answers with.
	Data map[string]string
}

// Content returns what a client renders for the action when the tracker sends its Data:
// ContentBegin + Data[ContentParam] + ContentEnd, the middle empty when ContentParam is
// empty or Data lacks it. Tests use it as the expected output of a placeholder.
func (a Action) Content() string {
	var middle string
	if a.ContentParam != "" {
		middle = a.Data[a.ContentParam]
	}
	return a.ContentBegin + middle + a.ContentEnd
}

// Placeholder is a named place on the site's pages where actions render.
type Placeholder struct {
	ID   int64
	Name string
	// HTMLID is the CSS selector of the place, e.g. "#home-banner".
	HTMLID string
	// UnitsCountMax is the number of actions the placeholder shows at most.
	UnitsCountMax int
}

// EventRule says how an event-only request (one without a Navigate) that carries the
// command On is answered: the campaigns in Conditions start applying (they are sent in
// "conditions", their actions in "actions"), and the ids in DismissConditions and
// DismissActions are sent in "dismiss_conditions" and "dismiss_actions". Rules apply
// whatever the visitor was shown before, so a client must cope with dismissals of ids
// it does not hold.
type EventRule struct {
	On                string // a command name, matched case-insensitively
	Conditions        []int64
	DismissConditions []int64
	DismissActions    []int64
}

// PageView is what a Condition.Match sees of a page view.
type PageView struct {
	UserID uint32
	// Document is the decoded document name of the request's last Navigate.
	Document string
	// Commands are the request's commands.
	Commands []Command

	v *visitor
}

// Visitor returns what the simulator remembers about the visitor, this request's events
// included.
func (p PageView) Visitor() VisitorState {
	if p.v == nil {
		return VisitorState{UserID: p.UserID}
	}
	return p.v.snapshot()
}

// DemoAccount returns the account a Server uses when Options.Account is nil. Besides the
// built-in recommendations it defines:
//
//   - the placeholders "home-banner" (PlaceholderHomeBanner, "#home-banner", one action)
//     and "product-sidebar" (PlaceholderProductSidebar, "#product-sidebar", two actions);
//   - "Summer sale" (ConditionSummerSale) on every page view, showing the HTML banner
//     ActionSummerBanner in "home-banner";
//   - "Product page visitors" (ConditionProductPage) on page views that carry a
//     "Product Viewed", showing ActionProductNote in "product-sidebar";
//   - "Cart reminder" (ConditionCartReminder) on page views of a visitor with a non-empty
//     cart, showing ActionCartReminder in "product-sidebar"; an event-only "Product Added
//     to cart" starts it and an event-only "Products Purchased" or "Products Removed from
//     cart" dismisses it with its action.
//
// The HTML actions keep their text in Data["message"] (ContentParam "message"), so a
// client that reads every action as a JSON recommendation finds no items in them.
// Each call returns a fresh Account the caller may modify.
func DemoAccount() Account {
	return Account{
		Placeholders: []Placeholder{
			{ID: PlaceholderHomeBanner, Name: "home-banner", HTMLID: "#home-banner", UnitsCountMax: 1},
			{ID: PlaceholderProductSidebar, Name: "product-sidebar", HTMLID: "#product-sidebar", UnitsCountMax: 2},
		},
		Conditions: []Condition{
			{ID: ConditionSummerSale, Name: "Summer sale", Actions: []int64{ActionSummerBanner}},
			{ID: ConditionProductPage, Name: "Product page visitors", Actions: []int64{ActionProductNote},
				Events: []string{"Product Viewed"}},
			{ID: ConditionCartReminder, Name: "Cart reminder", Actions: []int64{ActionCartReminder},
				Match: func(p PageView) bool { return p.v != nil && len(p.v.cart.order) > 0 }},
		},
		Actions: []Action{
			{
				ID: ActionSummerBanner, Name: "Summer sale banner", ContentType: ContentTypeHTML,
				ContentParam: "message",
				ContentBegin: `<div class="personyze-banner"><strong>`,
				ContentEnd:   `</strong> <a class="personyze-cta" href="/">Shop the sale</a></div>`,
				Placeholders: []int64{PlaceholderHomeBanner},
				Data:         map[string]string{"message": "Summer sale: free shipping on every order this week"},
			},
			{
				ID: ActionProductNote, Name: "Free returns note", ContentType: ContentTypeHTML,
				ContentParam: "message",
				ContentBegin: `<p class="personyze-note">`,
				ContentEnd:   `</p>`,
				Placeholders: []int64{PlaceholderProductSidebar},
				Data:         map[string]string{"message": "Free returns within 30 days"},
			},
			{
				ID: ActionCartReminder, Name: "Cart reminder", ContentType: ContentTypeHTML,
				ContentParam: "message",
				ContentBegin: `<p class="personyze-cart-reminder">`,
				ContentEnd:   ` <a href="/cart">Go to your cart</a></p>`,
				Placeholders: []int64{PlaceholderProductSidebar},
				Data:         map[string]string{"message": "Your cart is waiting for you."},
			},
		},
		EventRules: []EventRule{
			{On: "Product Added to cart", Conditions: []int64{ConditionCartReminder}},
			{On: "Products Purchased", DismissConditions: []int64{ConditionCartReminder}, DismissActions: []int64{ActionCartReminder}},
			{On: "Products Removed from cart", DismissConditions: []int64{ConditionCartReminder}, DismissActions: []int64{ActionCartReminder}},
		},
	}
}

// CacheVersion returns the cache_version every tracker answer carries now: it starts at
// InitialCacheVersion and grows with BumpCacheVersion.
func (s *Server) CacheVersion() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cacheVersion
}

// BumpCacheVersion increments the cache_version and returns the new value, as if the
// account's actions, placeholders or conditions had been edited in the dashboard: from
// now on every tracker answer carries it, telling clients to drop their cached metadata.
func (s *Server) BumpCacheVersion() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cacheVersion++
	return s.cacheVersion
}

// SetAccount replaces the account's campaigns, actions, placeholders and event rules.
// Requests already being answered finish with the old account. The cache_version is not
// changed, so that a test can choose whether clients are told (BumpCacheVersion) or
// keep serving what they cached. It returns Account.Validate's error and then keeps the
// old account.
func (s *Server) SetAccount(a Account) error {
	if err := a.Validate(); err != nil {
		return err
	}
	acc := newAccount(a)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.acc = acc
	return nil
}

// builtinActions are the metadata rows of the computed recommendation actions.
var builtinActions = []Action{
	{ID: ActionViewedTogether, Name: "Viewed together", ContentType: ContentTypeJSON, ContentParam: "data", ContentBegin: "[", ContentEnd: "]"},
	{ID: ActionPopular, Name: "Popular products", ContentType: ContentTypeJSON, ContentParam: "data", ContentBegin: "[", ContentEnd: "]"},
	{ID: ActionArticles, Name: "Recommended articles", ContentType: ContentTypeJSON, ContentParam: "data", ContentBegin: "[", ContentEnd: "]"},
}

// builtinConditions is the condition of the recommendation actions.
var builtinConditions = []Condition{{ID: ConditionRecommendations, Name: "Product recommendations"}}

// Validate reports the first problem that makes the account unusable: an id that is not
// positive or is used twice (the built-in ids included), a reference to an action,
// condition or placeholder the account does not define, an invalid Documents pattern, or
// an event rule on an unknown command or on Navigate.
func (a *Account) Validate() error {
	actions := make(map[int64]bool)
	for _, b := range builtinActions {
		actions[b.ID] = true
	}
	places := make(map[int64]bool)
	for _, p := range a.Placeholders {
		if p.ID <= 0 || places[p.ID] {
			return fmt.Errorf("personyzetest: placeholder id %d is not positive or used twice", p.ID)
		}
		if p.UnitsCountMax < 0 {
			return fmt.Errorf("personyzetest: placeholder %d: negative UnitsCountMax", p.ID)
		}
		places[p.ID] = true
	}
	for _, x := range a.Actions {
		if x.ID <= 0 || actions[x.ID] {
			return fmt.Errorf("personyzetest: action id %d is not positive or used twice (101, 102 and 201 are built in)", x.ID)
		}
		actions[x.ID] = true
		for _, p := range x.Placeholders {
			if !places[p] {
				return fmt.Errorf("personyzetest: action %d names placeholder %d, which the account does not define", x.ID, p)
			}
		}
	}
	conds := map[int64]bool{ConditionRecommendations: true}
	for _, c := range a.Conditions {
		if c.ID <= 0 || conds[c.ID] {
			return fmt.Errorf("personyzetest: condition id %d is not positive or used twice (5 is built in)", c.ID)
		}
		conds[c.ID] = true
		for _, id := range c.Actions {
			if !actions[id] {
				return fmt.Errorf("personyzetest: condition %d shows action %d, which the account does not define", c.ID, id)
			}
		}
		for _, pat := range c.Documents {
			if _, err := path.Match(pat, ""); err != nil {
				return fmt.Errorf("personyzetest: condition %d: bad Documents pattern %q", c.ID, pat)
			}
		}
		for _, e := range c.Events {
			if _, ok := lookupCommand(e); !ok {
				return fmt.Errorf("personyzetest: condition %d: unknown command %q in Events", c.ID, e)
			}
		}
	}
	for i, r := range a.EventRules {
		spec, ok := lookupCommand(r.On)
		if !ok || spec.kind == kindNavigate {
			return fmt.Errorf("personyzetest: event rule %d: %q is not an event command", i+1, r.On)
		}
		for _, id := range r.Conditions {
			if !conds[id] {
				return fmt.Errorf("personyzetest: event rule %d starts condition %d, which the account does not define", i+1, id)
			}
		}
	}
	return nil
}

// account is a validated Account prepared for lookups; it is immutable once built, so
// a request can keep using the one it started with while SetAccount installs another.
type account struct {
	conditions   []Condition // account conditions, in order
	actions      map[int64]*Action
	condByID     map[int64]*Condition
	placeholders map[int64]*Placeholder
	rules        []EventRule
}

// newAccount copies a (which Validate accepted) together with the built-in rows.
func newAccount(a Account) *account {
	acc := &account{
		conditions:   slices.Clone(a.Conditions),
		actions:      make(map[int64]*Action),
		condByID:     make(map[int64]*Condition),
		placeholders: make(map[int64]*Placeholder),
		rules:        slices.Clone(a.EventRules),
	}
	for _, x := range append(slices.Clone(builtinActions), a.Actions...) {
		x.Placeholders = slices.Clone(x.Placeholders)
		x.Data = maps.Clone(x.Data)
		acc.actions[x.ID] = &x
	}
	for i := range acc.conditions {
		c := &acc.conditions[i]
		c.Actions = slices.Clone(c.Actions)
		c.Documents = slices.Clone(c.Documents)
		c.Events = slices.Clone(c.Events)
		acc.condByID[c.ID] = c
	}
	for _, c := range builtinConditions {
		acc.condByID[c.ID] = &c
	}
	for _, p := range a.Placeholders {
		acc.placeholders[p.ID] = &p
	}
	return acc
}

// matches reports whether condition c applies to the page view p.
func (c *Condition) matches(p *PageView) bool {
	if len(c.Documents) > 0 && !slices.ContainsFunc(c.Documents, func(pat string) bool {
		ok, _ := path.Match(pat, p.Document)
		return ok
	}) {
		return false
	}
	if len(c.Events) > 0 && !slices.ContainsFunc(p.Commands, func(cmd Command) bool {
		return slices.ContainsFunc(c.Events, func(e string) bool { return strings.EqualFold(e, cmd.Name) })
	}) {
		return false
	}
	return c.Match == nil || c.Match(*p)
}
