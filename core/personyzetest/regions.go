package personyzetest

import "strings"

// ShowRegions returns a page as a browser shows it once its streamed regions are in
// place (see core's Regions): the content of each <template for="ID"> at the end of the
// response replaces what lies between <?start name="ID"> and the next <?end> (the
// region's fallback), and the template is removed, as the stream script does. A page
// without streamed regions is returned as it is. Tests of an application that read its
// pages as text use it so that they see the same page whether Personyze answered within
// the inline wait or not. A region whose content holds a </template> of its own is not
// supported.
func ShowRegions(page string) string {
	const open, close = `<template for="`, "</template>"
	for {
		i := strings.Index(page, open)
		if i < 0 {
			return page
		}
		rest := page[i+len(open):]
		q := strings.Index(rest, `">`)
		end := strings.Index(rest, close)
		if q < 0 || end < q {
			return page
		}
		id, content := rest[:q], rest[q+2:end]
		page = page[:i] + rest[end+len(close):]
		start := `<?start name="` + id + `">`
		s := strings.Index(page, start)
		if s < 0 {
			continue
		}
		from := s + len(start)
		e := strings.Index(page[from:], "<?end>")
		if e < 0 {
			continue
		}
		page = page[:from] + content + page[from+e:]
	}
}
