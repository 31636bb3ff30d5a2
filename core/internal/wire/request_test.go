package wire

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"unicode/utf8"
)

func f64(v float64) *float64 { return &v }

func TestRequestAppendJSON(t *testing.T) {
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{
			name: "first call: null session, no time zone, no screen",
			req: Request{UserID: 1839852125, NewSession: true, Platform: "Linux x86_64", Languages: "en, es",
				OS: "Linux/6.1", DeviceType: "regular", Commands: []Command{navigate("Default")}},
			want: `{"user_id":1839852125,"session_id":null,"new_session":true,"past_sessions":"","platform":"Linux x86_64",` +
				`"languages":"en, es","os":"Linux/6.1","device_type":"regular","commands":[["Navigate","urn:personyze:doc:Default"]]}`,
		},
		{
			name: "all fields in protocol order",
			req: Request{UserID: 4294967295, SessionID: "1700000000 a,b", PastSessions: "1700000000", Platform: "iPhone",
				TimeZone: f64(-4), Languages: "en", Screen: "1920x1080", OS: "iOS/17.4", DeviceType: "phone",
				Commands: []Command{productViewed("SKU-1", 10), navigate("Product page")}},
			want: `{"user_id":4294967295,"session_id":"1700000000 a,b","new_session":false,"past_sessions":"1700000000",` +
				`"platform":"iPhone","time_zone":-4,"languages":"en","screen":"1920x1080","os":"iOS/17.4","device_type":"phone",` +
				`"commands":[["Product Viewed","SKU-1","action_id",10],["Navigate","urn:personyze:doc:Product%20page"]]}`,
		},
		{
			name: "fractional time zone, no commands",
			req:  Request{UserID: 1, TimeZone: f64(5.5)},
			want: `{"user_id":1,"session_id":null,"new_session":false,"past_sessions":"","platform":"","time_zone":5.5,` +
				`"languages":"","os":"","device_type":"","commands":[]}`,
		},
		{
			name: "NaN time zone is omitted",
			req:  Request{UserID: 1, TimeZone: f64(math.NaN())},
			want: `{"user_id":1,"session_id":null,"new_session":false,"past_sessions":"","platform":"",` +
				`"languages":"","os":"","device_type":"","commands":[]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.req.AppendJSON(nil)
			if string(got) != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Error("invalid JSON")
			}
			// Appending must keep what dst already holds.
			prefixed := tt.req.AppendJSON([]byte("xy"))
			if string(prefixed) != "xy"+tt.want {
				t.Errorf("AppendJSON does not append: %s", prefixed)
			}
		})
	}
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	tests := []string{"", "plain", "quote\" back\\slash", "\x00\x1f\x7f", "tab\tnl\nbs\b ff\f cr\r",
		"é漢字🙂", "\u2028\u2029", "bad\xffutf8\xc3", "\xed\xa0\x80 surrogate", "<>&"}
	for _, s := range tests {
		got := AppendString(nil, s)
		if !json.Valid(got) {
			t.Errorf("%q: invalid JSON %s", s, got)
			continue
		}
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatal(err)
		}
		std, _ := json.Marshal(s)
		var stdBack string
		_ = json.Unmarshal(std, &stdBack)
		if back != stdBack {
			t.Errorf("%q: round trip %q, encoding/json gives %q", s, back, stdBack)
		}
	}
}

// wireRequest mirrors the body for round-trip checks.
type wireRequest struct {
	UserID       uint32   `json:"user_id"`
	SessionID    *string  `json:"session_id"`
	NewSession   bool     `json:"new_session"`
	PastSessions string   `json:"past_sessions"`
	Platform     string   `json:"platform"`
	TimeZone     *float64 `json:"time_zone"`
	Languages    string   `json:"languages"`
	Screen       *string  `json:"screen"`
	OS           string   `json:"os"`
	DeviceType   string   `json:"device_type"`
	Commands     [][]any  `json:"commands"`
}

// stdString is what encoding/json makes of s after a round trip (invalid UTF-8 → U+FFFD).
func stdString(s string) string {
	b, _ := json.Marshal(s)
	var out string
	_ = json.Unmarshal(b, &out)
	return out
}

func FuzzRequestAppendJSON(f *testing.F) {
	f.Add(uint32(1), "", "", "en, es", "1920x1080", "P1", "Default", -4.0, int64(0))
	f.Add(uint32(0), "1700000000 x,y", "1700000000,1700005400", "", "", "\"\\\n", "/a b/ü", 5.5, int64(10))
	f.Add(uint32(4294967295), "\xff\xfe", "\u2028", "\x00", "x", "\xed\xa0\x80", "%zz", math.Inf(1), int64(-3))
	f.Fuzz(func(t *testing.T, uid uint32, session, past, langs, screen, item, doc string, tz float64, action int64) {
		req := Request{UserID: uid, SessionID: session, PastSessions: past, Platform: item, TimeZone: &tz,
			Languages: langs, Screen: screen, OS: doc, DeviceType: past,
			Commands: []Command{productViewed(item, action), userProfile(langs, session), navigate(doc)}}
		out := req.AppendJSON(nil)
		if !json.Valid(out) {
			t.Fatalf("invalid JSON: %q", out)
		}
		if !utf8.Valid(out) {
			t.Fatalf("invalid UTF-8: %q", out)
		}
		var w wireRequest
		if err := json.Unmarshal(out, &w); err != nil {
			t.Fatal(err)
		}
		if w.UserID != uid || w.PastSessions != stdString(past) || w.Languages != stdString(langs) ||
			w.Platform != stdString(item) || w.OS != stdString(doc) {
			t.Fatalf("round trip mismatch: %+v", w)
		}
		if (session == "") != (w.SessionID == nil) || session != "" && *w.SessionID != stdString(session) {
			t.Fatalf("session_id %v for %q", w.SessionID, session)
		}
		if (screen == "") != (w.Screen == nil) {
			t.Fatalf("screen %v for %q", w.Screen, screen)
		}
		if finite := !math.IsNaN(tz) && !math.IsInf(tz, 0); finite != (w.TimeZone != nil) || finite && *w.TimeZone != tz {
			t.Fatalf("time_zone %v for %v", w.TimeZone, tz)
		}
		if len(w.Commands) != 3 {
			t.Fatalf("commands %v", w.Commands)
		}
		wantFirst := []any{"Product Viewed", stdString(item)}
		if action > 0 { // core's WithAction also refuses an empty item id; that is core's check
			wantFirst = append(wantFirst, "action_id", float64(action)) // decoded as float64 on both sides
		}
		if !reflect.DeepEqual(w.Commands[0], wantFirst) {
			t.Fatalf("command %v, want %v", w.Commands[0], wantFirst)
		}
	})
}

// benchRequest is a typical page-view request: a profile field, a product view, a navigation.
func benchRequest() *Request {
	return &Request{UserID: 1839852125, SessionID: "1700000000 9f86d081884c7d65", PastSessions: "1699990000,1700000000",
		Platform: "Windows", TimeZone: f64(-4), Languages: "en, es", OS: "Windows/11", DeviceType: "regular",
		Commands: []Command{userProfile("email", "jane@example.com"), productViewed("SKU-12345", 10),
			navigate("/products/red-chair")}}
}

func BenchmarkRequestAppendJSON(b *testing.B) {
	req := benchRequest()
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = req.AppendJSON(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}
