// Package readme holds every Go snippet of the repository's README.md as code that is
// compiled (and, for the tests among them, run) with the module. Each snippet is the text
// between a "// readme:begin NAME" and a "// readme:end" line; TestREADME fails when a Go
// block of the README is not, line for line, one of these regions (leading tabs count as
// four spaces, and the block's common indentation is ignored). To change a snippet, change
// it here, then copy the region into the README.
package readme
