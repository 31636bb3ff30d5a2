package visitor

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseEnvCookie(t *testing.T) {
	tz := func(f float64) *float64 { return &f }
	tests := []struct {
		in     string
		tz     *float64
		screen string
	}{
		{"tz=-4&s=1920x1080", tz(-4), "1920x1080"},
		{"s=1920x1080&tz=5.5", tz(5.5), "1920x1080"},
		{"tz=12.75&s=375x812", tz(12.75), "375x812"},
		{"tz=-9.5", tz(-9.5), ""},
		{"tz=0&s=1x1", tz(0), "1x1"},
		{"tz=-0", tz(0), ""},
		{"tz=+1", tz(1), ""},
		{"tz=-12&s=20000x20000", tz(-12), "20000x20000"},
		{"tz=14", tz(14), ""},
		{`"tz=-4&s=1920x1080"`, tz(-4), "1920x1080"},
		{" tz = 3 ; s = 800x600 ", tz(3), "800x600"},
		{"tz%3D-4%26s%3D1920x1080", tz(-4), "1920x1080"},
		{"v=2&tz=1&s=0800x0600&x=y", tz(1), "800x600"},
		{"tz=1&tz=2", tz(1), ""},
		{"", nil, ""},
		{"garbage", nil, ""},
		{"tz=-13&s=1920x1080", nil, "1920x1080"},
		{"tz=14.5", nil, ""},
		{"tz=1.234", nil, ""},
		{"tz=1.", nil, ""},
		{"tz=.5", nil, ""},
		{"tz=1e1", nil, ""},
		{"tz=NaN", nil, ""},
		{"tz=Infinity", nil, ""},
		{"tz=0x1", nil, ""},
		{"tz=--1", nil, ""},
		{"tz=100", nil, ""},
		{"s=0x1080", nil, ""},
		{"s=20001x10", nil, ""},
		{"s=1920X1080", nil, ""},
		{"s=1920x", nil, ""},
		{"s=x1080", nil, ""},
		{"s=-1x5", nil, ""},
		{"s=1920.5x1080", nil, ""},
		{"s=1920x1080x3", nil, ""},
		{"s=123456x1", nil, ""},
		{"tz=%zz", nil, ""},
		{"tz=1&s=1x1" + strings.Repeat("&a=b", 40), nil, ""}, // over the size bound
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			gotTZ, gotScreen := ParseEnvCookie(tt.in)
			if (gotTZ == nil) != (tt.tz == nil) || (gotTZ != nil && *gotTZ != *tt.tz) {
				t.Errorf("time zone: got %v want %v", envTestFmtTZ(gotTZ), envTestFmtTZ(tt.tz))
			}
			if gotTZ != nil && *gotTZ == 0 && strconv.FormatFloat(*gotTZ, 'g', -1, 64) != "0" {
				t.Errorf("negative zero leaked")
			}
			if gotScreen != tt.screen {
				t.Errorf("screen: got %q want %q", gotScreen, tt.screen)
			}
		})
	}
}

// envTestFmtTZ prints an optional time zone for error messages.
func envTestFmtTZ(p *float64) string {
	if p == nil {
		return "nil"
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
}

func TestEnvScript(t *testing.T) {
	plain := string(EnvScript(""))
	if !strings.HasPrefix(plain, "<script>") || !strings.HasSuffix(plain, "</script>") {
		t.Errorf("no nonce: %s", plain)
	}
	for _, want := range []string{EnvCookieName + "=tz=", "getTimezoneOffset()", "screen", "path=/",
		"max-age=31536000", "SameSite=Lax", `location.protocol==="https:"?";Secure"`, "document.cookie)"} {
		if !strings.Contains(plain, want) {
			t.Errorf("script lacks %q: %s", want, plain)
		}
	}
	if n := strings.Count(plain, "<"); n != 2 {
		t.Errorf("script body must not contain '<' (%d found)", n-2)
	}
	withNonce := string(EnvScript(`abc"><img src=x onerror=alert(1)>`))
	if !strings.HasPrefix(withNonce, `<script nonce="abc&#34;&gt;&lt;img src=x onerror=alert(1)&gt;">`) {
		t.Errorf("nonce not escaped: %s", withNonce)
	}
	if got := string(EnvScript("r4nd0m")); !strings.HasPrefix(got, `<script nonce="r4nd0m">`) {
		t.Errorf("nonce: %s", got)
	}
}

func FuzzParseEnvCookie(f *testing.F) {
	for _, s := range []string{"tz=-4&s=1920x1080", "tz=5.5", "s=1x1", "", "tz=%", "tz=1e308", "s=99999x99999",
		`"tz=-0;s=0800x600"`, "tz=14.00&s=20000x1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tz, screen := ParseEnvCookie(s)
		if tz != nil {
			if *tz < -12 || *tz > 14 || *tz != *tz {
				t.Fatalf("time zone %v out of range", *tz)
			}
			if r := float64(int64(*tz*100+0.5*envTestSign(*tz))) / 100; r != *tz {
				t.Fatalf("time zone %v has more than 2 decimals", *tz)
			}
		}
		if screen != "" {
			w, h, ok := strings.Cut(screen, "x")
			wi, err1 := strconv.Atoi(w)
			hi, err2 := strconv.Atoi(h)
			if !ok || err1 != nil || err2 != nil || wi < 1 || wi > 20000 || hi < 1 || hi > 20000 ||
				strconv.Itoa(wi) != w || strconv.Itoa(hi) != h {
				t.Fatalf("bad screen %q", screen)
			}
		}
		// What we accept, written back as the script writes it, reads the same.
		if tz != nil && screen != "" {
			again, s2 := ParseEnvCookie("tz=" + strconv.FormatFloat(*tz, 'f', -1, 64) + "&s=" + screen)
			if again == nil || *again != *tz || s2 != screen {
				t.Fatalf("round trip of %v %q gave %v %q", *tz, screen, envTestFmtTZ(again), s2)
			}
		}
	})
}

// sign returns -1 for negative x, else 1.
func envTestSign(x float64) float64 {
	if x < 0 {
		return -1
	}
	return 1
}
