package core

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func TestCommandWireForm(t *testing.T) {
	tests := []struct {
		name string
		cmd  Command
		want string
	}{
		{"ProductViewed", ProductViewed("SKU-1"), `["Product Viewed","SKU-1"]`},
		{"ProductAddedToCart", ProductAddedToCart("SKU-1"), `["Product Added to cart","SKU-1"]`},
		{"ProductLiked", ProductLiked("SKU-1"), `["Product Liked","SKU-1"]`},
		{"ProductPurchased", ProductPurchased("SKU-1"), `["Product Purchased","SKU-1"]`},
		{"ProductUnliked", ProductUnliked("SKU-1"), `["Product Unliked","SKU-1"]`},
		{"ProductRemovedFromCart", ProductRemovedFromCart("SKU-1"), `["Product Removed from cart","SKU-1"]`},
		{"ProductsPurchased", ProductsPurchased(), `["Products Purchased"]`},
		{"ProductsUnliked", ProductsUnliked(), `["Products Unliked"]`},
		{"ProductsRemovedFromCart", ProductsRemovedFromCart(), `["Products Removed from cart"]`},
		{"ArticleViewed", ArticleViewed("A1"), `["Article Viewed","A1"]`},
		{"ArticleLiked", ArticleLiked("A1"), `["Article Liked","A1"]`},
		{"ArticleCommented", ArticleCommented("A1"), `["Article Commented","A1"]`},
		{"ArticleUnliked", ArticleUnliked("A1"), `["Article Unliked","A1"]`},
		{"ArticleGoal", ArticleGoal("A1"), `["Article Goal","A1"]`},
		{"ArticlesUnliked", ArticlesUnliked(), `["Articles Unliked"]`},
		{"UserProfile", UserProfile("industry", "e-commerce"), `["User Profile","industry","e-commerce"]`},
		{"UserProfile empty value", UserProfile("industry", ""), `["User Profile","industry",""]`},
		{"UserEmail", UserProfile("email", "a@b.c"), `["User Profile","email","a@b.c"]`},
		{"UserFirstName", UserProfile("first_name", "Jo"), `["User Profile","first_name","Jo"]`},
		{"UserLastName", UserProfile("last_name", "Do"), `["User Profile","last_name","Do"]`},
		{"UserPhone", UserProfile("phone", "+1 555"), `["User Profile","phone","+1 555"]`},
		{"Navigate plain", Navigate("Default"), `["Navigate","urn:personyze:doc:Default"]`},
		{"Navigate space and slash", Navigate("/products/Red chair"), `["Navigate","urn:personyze:doc:%2Fproducts%2FRed%20chair"]`},
		{"Navigate unicode and query chars", Navigate("é?&=+"), `["Navigate","urn:personyze:doc:%C3%A9%3F&=+"]`},
		{"ActionStatus executed", ActionStatus(10, statusExecuted, ""), `["Action Status","10","executed",""]`},
		{"ActionStatus product", ActionStatus(9007199254740993, statusProduct, "SKU-1"), `["Action Status","9007199254740993","product","SKU-1"]`},
		{"ActionStatus close", ActionStatus(7, statusClose, "3"), `["Action Status","7","close","3"]`},
		{"ActionDontShow", actionDontShow(42), `["Action Status","42","dont-show"]`},
		{"ProductViewed with action", ProductViewed("P1").WithAction(10), `["Product Viewed","P1","action_id",10]`},
		{"ArticleGoal with action", ArticleGoal("A1").WithAction(3), `["Article Goal","A1","action_id",3]`},
		{"ProductsPurchased with action", ProductsPurchased().WithAction(10), `["Products Purchased","action_id",10]`},
		{"ProductsRemovedFromCart with action", ProductsRemovedFromCart().WithAction(7), `["Products Removed from cart","action_id",7]`},
		{"escaping", ProductViewed("a\"b\\c\n\x01</script>"), `["Product Viewed","a\"b\\c\n\u0001</script>"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cmd.Err(); err != nil {
				t.Fatalf("Err() = %v", err)
			}
			// MarshalJSON directly: json.Marshal would HTML-escape its output again.
			got, err := tt.cmd.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("wire form\n got %s\nwant %s", got, tt.want)
			}
			// Name and Args must describe the same array.
			var arr []any
			if err := json.Unmarshal(got, &arr); err != nil {
				t.Fatal(err)
			}
			if arr[0] != tt.cmd.Name() || len(arr)-1 != len(tt.cmd.Args()) {
				t.Errorf("Name/Args = %q %v, wire %v", tt.cmd.Name(), tt.cmd.Args(), arr)
			}
		})
	}
}

func TestCommandInvalidInput(t *testing.T) {
	tests := []struct {
		name string
		cmd  Command
		want error
	}{
		{"empty product id", ProductViewed(""), ErrEmptyID},
		{"empty article id", ArticleGoal(""), ErrEmptyID},
		{"empty document", Navigate(""), ErrEmptyID},
		{"empty profile field", UserProfile("", "x"), ErrInvalidCommand},
		{"action status zero id", ActionStatus(0, "executed", ""), ErrInvalidCommand},
		{"action status empty status", ActionStatus(5, "", ""), ErrInvalidCommand},
		{"dont-show negative id", actionDontShow(-1), ErrInvalidCommand},
		{"WithAction on navigate", Navigate("x").WithAction(1), ErrInvalidCommand},
		{"WithAction on bulk article event", ArticlesUnliked().WithAction(1), ErrInvalidCommand},
		{"WithAction zero", ProductViewed("P").WithAction(0), ErrInvalidCommand},
		{"WithAction keeps first error", ProductViewed("").WithAction(5), ErrEmptyID},
		{"zero Command", Command{}, ErrInvalidCommand},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cmd.Err()
			if !errors.Is(err, tt.want) {
				t.Fatalf("Err() = %v, want %v", err, tt.want)
			}
			if _, err := json.Marshal(tt.cmd); err == nil {
				t.Error("MarshalJSON of an invalid command succeeded")
			}
		})
	}
	if err := ProductViewed("").Err(); err == nil || !strings.Contains(err.Error(), "Product Viewed") {
		t.Errorf("error %v does not name the command", err)
	}
}

func TestCommandAccessors(t *testing.T) {
	tests := []struct {
		cmd          Command
		itemID       string
		navigate     bool
		attributable bool
		actionID     int64
	}{
		{ProductViewed("P1"), "P1", false, true, 0},
		{ArticleLiked("A1").WithAction(4), "A1", false, true, 4},
		{Navigate("home"), "", true, false, 0},
		{ProductsUnliked(), "", false, true, 0},
		{ArticlesUnliked(), "", false, false, 0},
		{UserProfile("email", "x@y"), "", false, false, 0},
		{ActionStatus(1, "target", ""), "", false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.cmd.Name(), func(t *testing.T) {
			if got := tt.cmd.ItemID(); got != tt.itemID {
				t.Errorf("ItemID = %q, want %q", got, tt.itemID)
			}
			if got := tt.cmd.IsNavigate(); got != tt.navigate {
				t.Errorf("IsNavigate = %v", got)
			}
			if got := tt.cmd.Attributable(); got != tt.attributable {
				t.Errorf("Attributable = %v", got)
			}
			if got := tt.cmd.ActionID(); got != tt.actionID {
				t.Errorf("ActionID = %d", got)
			}
		})
	}
	args := ProductViewed("P1").WithAction(10).Args()
	if want := []any{"P1", "action_id", int64(10)}; !reflect.DeepEqual(args, want) {
		t.Errorf("Args = %#v, want %#v", args, want)
	}
}

func TestUserProfileFieldsSorted(t *testing.T) {
	cmds := UserProfileFields(map[string]string{"phone": "1", "email": "e", "first_name": "f"})
	var got []string
	for _, c := range cmds {
		got = append(got, c.Args()[0].(string))
	}
	if want := []string{"email", "first_name", "phone"}; !reflect.DeepEqual(got, want) {
		t.Errorf("fields = %v, want %v", got, want)
	}
}

// TestTrackRefusesInvalidCommands: a command built from bad input is refused by Track with
// its error, and nothing of that Track call is queued, so the page's call is not taken down.
func TestTrackRefusesInvalidCommands(t *testing.T) {
	tr, err := New(Config{APIKey: testKey, Development: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close(context.Background())
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set("User-Agent", fuzzUA)
	r.Header.Set("Accept", "text/html") // a browser navigating to a page
	v := tr.Begin(httptest.NewRecorder(), r).Visit()
	if err := v.Track(ProductViewed("ok"), ProductViewed(""), Navigate("x")); !errors.Is(err, ErrEmptyID) {
		t.Fatalf("Track = %v, want ErrEmptyID", err)
	}
	if err := v.Track(Command{}); !errors.Is(err, ErrInvalidCommand) {
		t.Fatalf("Track(zero Command) = %v, want ErrInvalidCommand", err)
	}
	v.mu.Lock()
	n := len(v.queued)
	v.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d commands queued after refused Track calls, want 0", n)
	}
}
