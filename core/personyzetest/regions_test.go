package personyzetest

import "testing"

func TestShowRegions(t *testing.T) {
	tests := []struct{ name, page, want string }{
		{"no regions", `<p>x</p>`, `<p>x</p>`},
		{"one", `<div><?start name="pz1-a">wait<?end></div><template for="pz1-a">done</template></body>`,
			`<div><?start name="pz1-a">done<?end></div></body>`},
		{"two, out of order", `<?start name="pz1-a">1<?end><?start name="pz2-b">2<?end><template for="pz2-b">B</template><template for="pz1-a">A</template>`,
			`<?start name="pz1-a">A<?end><?start name="pz2-b">B<?end>`},
		{"template without marker", `<p>x</p><template for="pz9">y</template>`, `<p>x</p>`},
		{"unterminated template", `<?start name="a">f<?end><template for="a">y`, `<?start name="a">f<?end><template for="a">y`},
		{"marker without end", `<?start name="a">f<template for="a">y</template>`, `<?start name="a">f`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ShowRegions(tc.page); got != tc.want {
				t.Errorf("ShowRegions(%q)\n got %q\nwant %q", tc.page, got, tc.want)
			}
		})
	}
}
