package core

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzInspectCookies: whatever a response's Set-Cookie header says, the inspector's
// description of it never holds the cookie's value, and reading it never panics.
func FuzzInspectCookies(f *testing.F) {
	f.Add("personyze", "MTc5NjUyOTM2fEJBd0FBQUE9PXx", "; Path=/; Max-Age=34560000; HttpOnly; SameSite=Lax")
	f.Add("pz_env", "tz%3D2%26s%3D1920x1080", "; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
	f.Add("a", "", "; Max-Age=0; Secure; SameSite=None; Domain=.example.com")
	f.Add("b", "\"quoted value\"", ";;;=; Path")
	f.Fuzz(func(t *testing.T, name, value, attrs string) {
		out, err := json.Marshal(inspectCookies([]string{name + "=" + value + attrs, value}))
		if err != nil {
			t.Fatal(err)
		}
		// A value found in the output for another reason (it is the name, or within the
		// attributes or the JSON's own words) says nothing.
		v := strings.Trim(value, `"`)
		if len(v) < 6 || strings.Contains(name, v) || strings.Contains(attrs, v) || strings.Contains(`{}[]"name":path,domain,max_age,expires,secure,http_only,same_site,deleted,true(unreadable Set-Cookie header)`, v) {
			return
		}
		if strings.Contains(string(out), v) {
			t.Errorf("the description %s holds the value %q", out, v)
		}
	})
}
