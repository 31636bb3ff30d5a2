package visitor

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Real User-Agent strings, as browsers and tools send them.
const (
	uaTestChromeWindows  = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	uaTestEdge           = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51"
	uaTestFirefoxLinux   = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
	uaTestFirefoxUbuntu  = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
	uaTestSafariMac      = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15"
	uaTestFirefoxMac     = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0"
	uaTestIPhone         = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
	uaTestIPhoneChrome   = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1"
	uaTestIPad           = "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
	uaTestAndroidPhone   = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36"
	uaTestAndroidReduced = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"
	uaTestAndroidTablet  = "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Safari/537.36"
	uaTestFirefoxAndroid = "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0"
	uaTestFirefoxTablet  = "Mozilla/5.0 (Android 14; Tablet; rv:125.0) Gecko/125.0 Firefox/125.0"
	uaTestKindleSilk     = "Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/124.2.1 like Chrome/124.0.6367.82 Safari/537.36"
	uaTestSilkDesktop    = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Silk/124.2.1 like Chrome/124.0.6367.82 Safari/537.36"
	uaTestPlayBook       = "Mozilla/5.0 (PlayBook; U; RIM Tablet OS 2.1.0; en-US) AppleWebKit/536.2+ (KHTML, like Gecko) Version/7.2.1.0 Safari/536.2+"
	uaTestWindowsPhone   = "Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/52.0.2743.116 Mobile Safari/537.36 Edge/15.15063"
	uaTestIE11TabletPC   = "Mozilla/5.0 (Windows NT 6.3; Win64; x64; Trident/7.0; Touch; Tablet PC 2.0; rv:11.0) like Gecko"
	uaTestChromeOS       = "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	uaTestCubot          = "Mozilla/5.0 (Linux; Android 9; CUBOT P30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36"
	uaTestGooglebot      = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	uaTestGooglebotPhone = "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	uaTestHeadless       = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36"
	uaTestUptimeRobot    = "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)"
)

func TestDetectUserAgents(t *testing.T) {
	tests := []struct {
		name, ua string
		want     Device
	}{
		{"chrome windows", uaTestChromeWindows, Device{Type: "regular", OS: "Windows/10", Platform: "Windows"}},
		{"edge windows", uaTestEdge, Device{Type: "regular", OS: "Windows/10", Platform: "Windows"}},
		{"firefox linux", uaTestFirefoxLinux, Device{Type: "regular", OS: "Linux", Platform: "Linux x86_64"}},
		{"firefox ubuntu", uaTestFirefoxUbuntu, Device{Type: "regular", OS: "Ubuntu", Platform: "Linux"}},
		{"safari macos", uaTestSafariMac, Device{Type: "regular", OS: "macOS/10.15.7", Platform: "Macintosh"}},
		// iPadOS "desktop mode" sends exactly the macOS Safari UA and no
		// client hints: documented limit, it stays regular.
		{"ipados desktop mode", uaTestSafariMac, Device{Type: "regular", OS: "macOS/10.15.7", Platform: "Macintosh"}},
		{"firefox macos", uaTestFirefoxMac, Device{Type: "regular", OS: "macOS/14.4", Platform: "Macintosh"}},
		{"iphone safari", uaTestIPhone, Device{Type: "phone", OS: "iOS/17.4", Platform: "iPhone"}},
		{"iphone chrome", uaTestIPhoneChrome, Device{Type: "phone", OS: "iOS/17.4", Platform: "iPhone"}},
		{"ipad safari", uaTestIPad, Device{Type: "tablet", OS: "iOS/17.4", Platform: "iPad"}},
		{"android phone chrome", uaTestAndroidPhone, Device{Type: "phone", OS: "Android/14", Platform: "Android"}},
		{"android reduced ua", uaTestAndroidReduced, Device{Type: "phone", OS: "Android/10", Platform: "Android"}},
		{"android tablet chrome", uaTestAndroidTablet, Device{Type: "tablet", OS: "Android/13", Platform: "Android"}},
		{"firefox android phone", uaTestFirefoxAndroid, Device{Type: "phone", OS: "Android/14", Platform: "Android"}},
		{"firefox android tablet", uaTestFirefoxTablet, Device{Type: "tablet", OS: "Android/14", Platform: "Android"}},
		{"kindle silk", uaTestKindleSilk, Device{Type: "tablet", OS: "Android/9", Platform: "Android"}},
		{"kindle silk desktop mode", uaTestSilkDesktop, Device{Type: "tablet", OS: "Linux", Platform: "Linux x86_64"}},
		{"playbook", uaTestPlayBook, Device{Type: "tablet", OS: "RIM Tablet OS/2.1.0", Platform: "PlayBook"}},
		{"windows phone", uaTestWindowsPhone, Device{Type: "phone", OS: "Windows Phone/10.0", Platform: "Windows"}},
		{"ie11 tablet pc is a laptop", uaTestIE11TabletPC, Device{Type: "regular", OS: "Windows/8.1", Platform: "Windows"}},
		{"chromeos", uaTestChromeOS, Device{Type: "regular", OS: "ChromeOS/14541.0.0", Platform: "ChromeOS"}},
		{"cubot phone is no bot", uaTestCubot, Device{Type: "phone", OS: "Android/9", Platform: "Android"}},
		{"googlebot", uaTestGooglebot, Device{Type: "regular", Bot: true, BotReason: "Googlebot"}},
		{"googlebot smartphone", uaTestGooglebotPhone, Device{Type: "phone", Bot: true, BotReason: "Googlebot"}},
		{"curl", "curl/8.5.0", Device{Type: "regular", Bot: true, BotReason: "curl"}},
		{"wget", "Wget/1.21.4", Device{Type: "regular", Bot: true, BotReason: "wget"}},
		{"python-requests", "python-requests/2.31.0", Device{Type: "regular", Bot: true, BotReason: "python-requests"}},
		{"python-urllib", "Python-urllib/3.12", Device{Type: "regular", Bot: true, BotReason: "python-urllib"}},
		{"go-http-client", "Go-http-client/1.1", Device{Type: "regular", Bot: true, BotReason: "Go-http-client"}},
		{"okhttp", "okhttp/4.12.0", Device{Type: "phone", Bot: true, BotReason: "okhttp"}},
		{"java", "Java/17.0.2", Device{Type: "regular", Bot: true, BotReason: "Java"}},
		{"libwww-perl", "libwww-perl/6.72", Device{Type: "regular", Bot: true, BotReason: "libwww-perl"}},
		{"axios", "axios/1.6.8", Device{Type: "regular", Bot: true, BotReason: "axios"}},
		{"node-fetch", "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", Device{Type: "regular", Bot: true, BotReason: "node-fetch"}},
		{"headless chrome", uaTestHeadless, Device{Type: "regular", Bot: true, BotReason: "HeadlessChrome"}},
		{"phantomjs", "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1", Device{Type: "regular", Bot: true, BotReason: "PhantomJS"}},
		{"uptimerobot", uaTestUptimeRobot, Device{Type: "regular", Bot: true, BotReason: "UptimeRobot"}},
		{"pingdom", "Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)", Device{Type: "regular", Bot: true, BotReason: "Pingdom"}},
		{"statuscake", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/71.0.3578.98 Safari/537.36 StatusCake", Device{Type: "regular", Bot: true, BotReason: "StatusCake"}},
		{"site24x7", "Site24x7", Device{Type: "regular", Bot: true, BotReason: "Site24x7"}},
		{"better uptime", "Better Uptime Bot Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.169 Safari/537.36", Device{Type: "regular", Bot: true, BotReason: "Better Uptime"}},
		{"facebook", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", Device{Type: "regular", Bot: true, BotReason: "facebookexternalhit"}},
		{"slackbot", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", Device{Type: "regular", Bot: true, BotReason: "Slackbot"}},
		{"generic spider", "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)", Device{Type: "regular", Bot: true, BotReason: "spider"}},
		{"generic crawler", "Mozilla/5.0 (compatible; SomeCrawler/1.0)", Device{Type: "regular", Bot: true, BotReason: "crawler"}},
		{"generic bot", "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", Device{Type: "regular", Bot: true, BotReason: "bot"}},
		{"parser bot flag", "Mozilla/5.0 (compatible; Example/1.0; +https://example.com/about)", Device{Type: "regular", Bot: true, BotReason: "bot flag"}},
		{"empty", "", Device{Type: "regular", Bot: true, BotReason: "empty user agent"}},
		{"blank", "   ", Device{Type: "regular", Bot: true, BotReason: "empty user agent"}},
	}
	d := NewDetector(64, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.ua != "" {
				h.Set("User-Agent", tt.ua)
			}
			got := d.Detect(h)
			// The second call is served by the cache and must agree.
			if again := d.Detect(h); again != got {
				t.Errorf("cached Detect(%q) = %+v, first %+v", tt.ua, again, got)
			}
			if tt.want.Bot {
				// OS and platform of bots are whatever the parser made of
				// them; what matters is the verdict and the type.
				got.OS, got.Platform = "", ""
			}
			if got != tt.want {
				t.Errorf("Detect(%q)\n got %+v\nwant %+v", tt.ua, got, tt.want)
			}
		})
	}
}

func TestDetectClientHints(t *testing.T) {
	tests := []struct {
		name                       string
		ua, mobile, platform, pver string
		brands                     string
		want                       Device
	}{
		{"windows 11 via platform version 15", uaTestChromeWindows, "?0", `"Windows"`, `"15.0.0"`, "",
			Device{Type: "regular", OS: "Windows/11", Platform: "Windows"}},
		{"windows 11 via platform version 13", uaTestEdge, "?0", `"Windows"`, `"13.0.0"`, "",
			Device{Type: "regular", OS: "Windows/11", Platform: "Windows"}},
		{"windows 10 via platform version 10", uaTestChromeWindows, "?0", `"Windows"`, `"10.0.0"`, "",
			Device{Type: "regular", OS: "Windows/10", Platform: "Windows"}},
		{"windows 10 via platform version 1", uaTestChromeWindows, "?0", `"Windows"`, `"1.0.0"`, "",
			Device{Type: "regular", OS: "Windows/10", Platform: "Windows"}},
		{"windows 8.1 keeps the ua version", "Mozilla/5.0 (Windows NT 6.3; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36", "?0", `"Windows"`, `"0.3.0"`, "",
			Device{Type: "regular", OS: "Windows/8.1", Platform: "Windows"}},
		{"windows without version hint keeps ua", uaTestChromeWindows, "?0", `"Windows"`, "", "",
			Device{Type: "regular", OS: "Windows/10", Platform: "Windows"}},
		{"unquoted and spaced values", uaTestChromeWindows, " ?0 ", ` Windows `, ` "15.0.0" `, "",
			Device{Type: "regular", OS: "Windows/11", Platform: "Windows"}},
		{"parameters ignored", uaTestChromeWindows, "?0;x=1", `"Windows";a=b`, `"15.0.0";v=1`, "",
			Device{Type: "regular", OS: "Windows/11", Platform: "Windows"}},
		{"garbage version ignored", uaTestChromeWindows, "?0", `"Windows"`, `"15; drop table"`, "",
			Device{Type: "regular", OS: "Windows/10", Platform: "Windows"}},
		{"unterminated string ignored", uaTestChromeWindows, "?0", `"Windows`, `"15.0.0"`, "",
			Device{Type: "regular", OS: "Windows/10", Platform: "Windows"}},
		{"mobile hint makes a phone", uaTestSilkDesktop[:0] + "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Mobile", "?1", `"Android"`, `"14.0.0"`, "",
			Device{Type: "phone", OS: "Android/14", Platform: "Android"}},
		{"mobile hint on a desktop-looking ua", uaTestChromeOS, "?1", "", "", "",
			Device{Type: "phone", OS: "ChromeOS/14541.0.0", Platform: "ChromeOS"}},
		{"mobile hint keeps tablets", uaTestAndroidTablet, "?1", `"Android"`, `"13.0.0"`, "",
			Device{Type: "tablet", OS: "Android/13", Platform: "Android"}},
		{"not-mobile hint demotes a phone ua", uaTestAndroidReduced, "?0", `"Android"`, `"14.0.0"`, "",
			Device{Type: "regular", OS: "Android/14", Platform: "Android"}},
		{"android version hint beats frozen ua", uaTestAndroidReduced, "?1", `"Android"`, `"13.1.0"`, "",
			Device{Type: "phone", OS: "Android/13.1", Platform: "Android"}},
		{"macos version hint beats frozen ua", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", "?0", `"macOS"`, `"14.4.1"`, "",
			Device{Type: "regular", OS: "macOS/14.4.1", Platform: "Macintosh"}},
		{"linux has no version", uaTestFirefoxLinux, "?0", `"Linux"`, `"6.5.0"`, "",
			Device{Type: "regular", OS: "Linux", Platform: "Linux x86_64"}},
		{"chrome os hint", uaTestChromeOS, "?0", `"Chrome OS"`, `"14541.0.0"`, "",
			Device{Type: "regular", OS: "ChromeOS/14541", Platform: "ChromeOS"}},
		{"unknown platform ignored", uaTestChromeWindows, "?0", `"Unknown"`, `"1.0"`, "",
			Device{Type: "regular", OS: "Windows/10", Platform: "Windows"}},
		{"platform with junk ignored", uaTestChromeWindows, "?0", `"<script>"`, "", "",
			Device{Type: "regular", OS: "Windows/10", Platform: "Windows"}},
		{"headless brand", uaTestChromeWindows, "?0", `"Windows"`, `"15.0.0"`, `"Chromium";v="124", "HeadlessChrome";v="124", "Not-A.Brand";v="99"`,
			Device{Type: "regular", OS: "Windows/11", Platform: "Windows", Bot: true, BotReason: "HeadlessChrome"}},
		{"hints without ua", "", "?0", `"Windows"`, `"15.0.0"`, "",
			Device{Type: "regular", OS: "Windows/11", Platform: "Windows", Bot: true, BotReason: "empty user agent"}},
	}
	d := NewDetector(64, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range map[string]string{
				"User-Agent": tt.ua, "Sec-CH-UA-Mobile": tt.mobile, "Sec-CH-UA-Platform": tt.platform,
				"Sec-CH-UA-Platform-Version": tt.pver, "Sec-CH-UA": tt.brands,
			} {
				if v != "" {
					h.Set(k, v)
				}
			}
			if got := d.Detect(h); got != tt.want {
				t.Errorf("Detect\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDetectNilDetectorAndNoCache(t *testing.T) {
	h := http.Header{"User-Agent": {uaTestIPad}}
	want := Device{Type: "tablet", OS: "iOS/17.4", Platform: "iPad"}
	var nilDetector *Detector
	if got := nilDetector.Detect(h); got != want {
		t.Errorf("nil detector: got %+v want %+v", got, want)
	}
	if got := NewDetector(-1, nil).Detect(h); got != want {
		t.Errorf("no cache: got %+v want %+v", got, want)
	}
	if c := NewDetector(-1, nil).cache; c != nil {
		t.Errorf("negative size must disable the cache")
	}
	if c := NewDetector(0, nil).cache; c == nil || c.capacity() != defaultCacheSize {
		t.Errorf("zero size must mean the default")
	}
}

// uaTestPanicParser is a broken Parser.
type uaTestPanicParser struct{}

func (uaTestPanicParser) ParseUserAgent(string) Info { panic("broken parser") }

// uaTestFixedParser returns one answer and counts calls.
type uaTestFixedParser struct {
	mu    sync.Mutex
	calls int
	info  Info
}

func (p *uaTestFixedParser) ParseUserAgent(string) Info {
	p.mu.Lock()
	p.calls++
	p.mu.Unlock()
	return p.info
}

func TestDetectCustomParser(t *testing.T) {
	h := http.Header{"User-Agent": {"SomeBrowser/1.0"}}
	if got := NewDetector(8, uaTestPanicParser{}).Detect(h); got != (Device{Type: "regular"}) {
		t.Errorf("panicking parser: got %+v", got)
	}
	p := &uaTestFixedParser{info: Info{Mobile: true, OSName: "FooOS", OSVersion: "2", Platform: "Foo"}}
	d := NewDetector(8, p)
	for range 3 {
		if got, want := d.Detect(h), (Device{Type: "phone", OS: "FooOS/2", Platform: "Foo"}); got != want {
			t.Errorf("got %+v want %+v", got, want)
		}
	}
	if p.calls != 1 {
		t.Errorf("parser called %d times for one cached UA, want 1", p.calls)
	}
}

func TestDetectLongUserAgents(t *testing.T) {
	p := &uaTestFixedParser{}
	d := NewDetector(8, p)
	long := strings.Repeat("a", uaCacheMaxKey+1)
	d.Detect(http.Header{"User-Agent": {long}})
	d.Detect(http.Header{"User-Agent": {long}})
	if p.calls != 2 || d.cache.len() != 0 {
		t.Errorf("UA over %d bytes: calls=%d cached=%d, want 2 and 0", uaCacheMaxKey, p.calls, d.cache.len())
	}

	// A 64 KiB hostile User-Agent is parsed in bounded time.
	real := NewDetector(8, nil)
	huge := strings.Repeat("Mozilla/5.0 (X; Y; (Z) ", 64<<10/23)
	start := time.Now()
	for range 100 {
		real.Detect(http.Header{"User-Agent": {huge}, "Sec-Ch-Ua": {huge}, "Sec-Ch-Ua-Platform": {huge}})
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("100 detections of a 64 KiB UA took %v", el)
	}
}

// uaTestCorpus is every UA of the tables, for benchmarks and fuzz seeds.
func uaTestCorpus() []string {
	return []string{uaTestChromeWindows, uaTestEdge, uaTestFirefoxLinux, uaTestFirefoxUbuntu, uaTestSafariMac,
		uaTestFirefoxMac, uaTestIPhone, uaTestIPhoneChrome, uaTestIPad, uaTestAndroidPhone, uaTestAndroidReduced,
		uaTestAndroidTablet, uaTestFirefoxAndroid, uaTestFirefoxTablet, uaTestKindleSilk, uaTestSilkDesktop,
		uaTestPlayBook, uaTestWindowsPhone, uaTestIE11TabletPC, uaTestChromeOS, uaTestCubot, uaTestGooglebot,
		uaTestGooglebotPhone, uaTestHeadless, uaTestUptimeRobot, "curl/8.5.0", "Go-http-client/1.1", ""}
}

func FuzzDetect(f *testing.F) {
	for _, ua := range uaTestCorpus() {
		f.Add(ua, "?0", `"Windows"`, `"15.0.0"`)
	}
	f.Add(uaTestAndroidReduced, "?1", `"Android"`, `"14.0.0"`)
	f.Add("", `"`, `"\`, `"\"`)
	f.Add("Mozilla/5.0 (((((", "?", `"a\"b"`, "...")
	d := NewDetector(16, nil)
	f.Fuzz(func(t *testing.T, ua, mobile, platform, version string) {
		h := http.Header{
			"User-Agent":                 {ua},
			"Sec-Ch-Ua-Mobile":           {mobile},
			"Sec-Ch-Ua-Platform":         {platform},
			"Sec-Ch-Ua-Platform-Version": {version},
		}
		got := d.Detect(h)
		switch got.Type {
		case "phone", "tablet", "regular":
		default:
			t.Fatalf("type %q", got.Type)
		}
		if got.Bot != (got.BotReason != "") {
			t.Fatalf("Bot %v with reason %q", got.Bot, got.BotReason)
		}
		if again := d.Detect(h); again != got {
			t.Fatalf("not deterministic: %+v then %+v", got, again)
		}
		if uncached := (*Detector)(nil).Detect(h); uncached != got {
			t.Fatalf("cache changed the answer: %+v vs %+v", got, uncached)
		}
		if d.cache.len() > 16 {
			t.Fatalf("cache grew to %d", d.cache.len())
		}
	})
}

func BenchmarkDetectCached(b *testing.B) {
	d := NewDetector(1024, nil)
	headers := uaTestBenchHeaders()
	for _, h := range headers {
		d.Detect(h)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		d.Detect(headers[i%len(headers)])
	}
}

func BenchmarkDetectUncached(b *testing.B) {
	d := NewDetector(-1, nil)
	headers := uaTestBenchHeaders()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		d.Detect(headers[i%len(headers)])
	}
}

// uaTestBenchHeaders returns realistic request headers: a mix of browsers, some
// with client hints, and a few bots.
func uaTestBenchHeaders() []http.Header {
	var hs []http.Header
	for i, ua := range uaTestCorpus() {
		h := http.Header{"User-Agent": {ua}}
		if i%3 == 0 {
			h.Set("Sec-CH-UA-Mobile", "?0")
			h.Set("Sec-CH-UA-Platform", `"Windows"`)
			h.Set("Sec-CH-UA-Platform-Version", `"15.0.0"`)
		}
		hs = append(hs, h)
	}
	return hs
}

func TestDeviceString(t *testing.T) {
	// Device is a plain value: printing it must show every field.
	got := fmt.Sprintf("%+v", Device{Type: "phone", OS: "iOS/17.4", Platform: "iPhone"})
	if !strings.Contains(got, "Type:phone") || !strings.Contains(got, "OS:iOS/17.4") {
		t.Errorf("got %s", got)
	}
}
