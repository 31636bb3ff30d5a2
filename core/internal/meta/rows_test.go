package meta

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseActions(t *testing.T) {
	body := `[
	 {"id":301,"name":"Banner","content_type":"text/html","content_param":"message","content_begin":"<b>","content_end":"</b>","libs_app":null,"placeholders":[1,"2"," 3 ",0,-4,"x",2]},
	 {"id":"101","name":"Recs","content_type":"application/json","content_param":"data","content_begin":"[","content_end":"]","placeholders":null},
	 {"id":7,"name":null,"content_type":null,"content_param":null,"content_begin":null,"content_end":null,"libs_app":"a, b","placeholders":"4, 5,x"},
	 {"id":null,"name":"no id"}, {"name":"missing id"}, {"id":0}, 17, null, "x",
	 {"id":8.0,"name":42,"content_type":true,"placeholders":{"a":1}}
	]`
	got, err := ParseActions([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := []Action{
		{ID: 301, Name: "Banner", ContentType: "text/html", ContentParam: "message", ContentBegin: "<b>", ContentEnd: "</b>", Placeholders: []int64{1, 2, 3}},
		{ID: 101, Name: "Recs", ContentType: "application/json", ContentParam: "data", ContentBegin: "[", ContentEnd: "]"},
		{ID: 7, LibsApp: "a, b", Placeholders: []int64{4, 5}},
		{ID: 8, Name: "42", ContentType: "true"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseActions:\n got %+v\nwant %+v", got, want)
	}
}

func TestParsePlaceholdersAndConditions(t *testing.T) {
	ps, err := ParsePlaceholders([]byte(`[{"id":1,"name":"home-banner","html_id":"#home-banner","units_count_max":1},
		{"id":"2","name":"side","html_id":null,"units_count_max":"2"},{"id":3,"name":"neg","units_count_max":-5},
		{"id":4,"units_count_max":1e30}]`))
	if err != nil {
		t.Fatal(err)
	}
	wantP := []Placeholder{{1, "home-banner", "#home-banner", 1}, {2, "side", "", 2}, {3, "neg", "", 0}, {4, "", "", 0}}
	if !reflect.DeepEqual(ps, wantP) {
		t.Errorf("ParsePlaceholders = %+v, want %+v", ps, wantP)
	}
	cs, err := ParseConditions([]byte(` [{"id":11,"name":"Summer sale"},{"id":"12","name":null}] `))
	if err != nil {
		t.Fatal(err)
	}
	if want := []Condition{{11, "Summer sale"}, {12, ""}}; !reflect.DeepEqual(cs, want) {
		t.Errorf("ParseConditions = %+v, want %+v", cs, want)
	}
}

func TestParseRefusesNonArrays(t *testing.T) {
	for _, body := range []string{"", "null", `{"id":1}`, "[", `"[]"`, "Row not found"} {
		if _, err := ParseActions([]byte(body)); !errors.Is(err, ErrNotArray) {
			t.Errorf("ParseActions(%q) err = %v, want ErrNotArray", body, err)
		}
	}
	if got, err := ParseConditions([]byte("[]")); err != nil || len(got) != 0 {
		t.Errorf("empty array: %v, %v", got, err)
	}
}

func TestContent(t *testing.T) {
	a := Action{ContentParam: "message", ContentBegin: "<p>", ContentEnd: "</p>"}
	tests := []struct {
		a    Action
		data map[string]string
		want string
	}{
		{a, map[string]string{"message": "hi"}, "<p>hi</p>"},
		{a, nil, "<p></p>"},
		{Action{ContentBegin: "x", ContentEnd: "y"}, map[string]string{"": "never"}, "xy"},
	}
	for _, tt := range tests {
		if got := tt.a.Content(tt.data); got != tt.want {
			t.Errorf("Content = %q, want %q", got, tt.want)
		}
	}
	if k := (&Action{ContentType: " Text/HTML; charset=utf-8"}).Kind(); k != ContentHTML {
		t.Errorf("Kind = %q", k)
	}
}

func TestPath(t *testing.T) {
	if got, want := Path(ObjectActions, []int64{302, 301}), "actions/columns/id,name,content_type,content_param,content_begin,content_end,libs_app,placeholders/where/id:301,302"; got != want {
		t.Errorf("Path = %q", got)
	}
	if got, want := Path(ObjectPlaceholders, []int64{1}), "placeholders/columns/id,name,html_id,units_count_max/where/id:1"; got != want {
		t.Errorf("Path = %q", got)
	}
	if got, want := Path(ObjectConditions, []int64{5, 11}), "conditions/columns/id,name/where/id:5,11"; got != want {
		t.Errorf("Path = %q", got)
	}
}

// FuzzParse: no input panics, every parsed row has a positive id, and a placeholders list
// stays bounded and positive.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`[{"id":1,"name":"a","content_type":"text/html","placeholders":[1,2]}]`,
		`[{"id":"2","placeholders":"1,2","units_count_max":"3"}]`,
		`[null,1,"x",{"id":null},{"id":-1},{"id":1e400}]`, `[`, `{}`, ``,
		`[{"id":9223372036854775807,"units_count_max":9223372036854775807}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		as, _ := ParseActions(b)
		for _, a := range as {
			if a.ID <= 0 || len(a.Placeholders) > maxPlaceholdersPerAction {
				t.Fatalf("bad action row %+v", a)
			}
			for _, p := range a.Placeholders {
				if p <= 0 {
					t.Fatalf("placeholder id %d", p)
				}
			}
		}
		ps, _ := ParsePlaceholders(b)
		for _, p := range ps {
			if p.ID <= 0 || p.UnitsCountMax < 0 {
				t.Fatalf("bad placeholder row %+v", p)
			}
		}
		cs, _ := ParseConditions(b)
		for _, c := range cs {
			if c.ID <= 0 {
				t.Fatalf("bad condition row %+v", c)
			}
		}
	})
}
