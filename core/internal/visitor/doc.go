// Package visitor derives the visitor facts Personyze asks for from a request's headers,
// with nothing from the application: the device (device_type "phone", "tablet" or
// "regular", os "Name/Version", platform) from the User-Agent corrected by the
// User-Agent Client Hints (Sec-CH-UA-*, which beat Chromium's frozen User-Agent), bots and
// prefetches that must not count as visitors, the languages (up to three 2-letter codes)
// from Accept-Language, and the time zone and screen size from the first-party cookie
// that EnvScript's tiny script writes in the browser.
//
// User-Agent parsing sits behind the Parser interface (github.com/mssola/useragent by
// default, unmaintained since 2023, hence the interface and the corrections applied on top
// of it: tablets, client hints, Windows 11, HTTP-library and headless bots). A site sees
// few distinct User-Agents and Accept-Languages, so a Detector caches parsed values in
// bounded, sharded LRU caches. Every parser here reads outside input: each bounds what it
// reads, never panics, and gives "nothing known" for what it cannot read; fuzz tests
// check it. Package core turns Device into its own exported Device and Facts.
package visitor
