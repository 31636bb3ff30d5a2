package visitor_test

import (
	"fmt"
	"net/http"

	"github.com/gopersonyze/personyze/core/internal/visitor"
)

func ExampleLanguages() {
	fmt.Println(visitor.Languages("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5"))
	fmt.Printf("%q\n", visitor.Languages("en;q=oops"))
	// Output:
	// fr, en, de
	// ""
}

func ExampleDetector_Detect() {
	d := visitor.NewDetector(4096, nil)

	h := http.Header{}
	h.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36")
	fmt.Printf("%+v\n", d.Detect(h))

	// Chrome's client hints reveal Windows 11 behind the frozen User-Agent.
	h.Set("Sec-CH-UA-Platform", `"Windows"`)
	h.Set("Sec-CH-UA-Platform-Version", `"15.0.0"`)
	fmt.Printf("%+v\n", d.Detect(h))

	h = http.Header{}
	h.Set("User-Agent", "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1")
	fmt.Printf("%+v\n", d.Detect(h))

	h.Set("User-Agent", "curl/8.5.0")
	fmt.Printf("%+v\n", d.Detect(h))
	// Output:
	// {Type:regular OS:Windows/10 Platform:Windows Bot:false BotReason:}
	// {Type:regular OS:Windows/11 Platform:Windows Bot:false BotReason:}
	// {Type:tablet OS:iOS/17.4 Platform:iPad Bot:false BotReason:}
	// {Type:regular OS: Platform: Bot:true BotReason:curl}
}
