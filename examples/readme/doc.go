// Package readme holds every Go snippet of the repository's README.md as code that is
// compiled with the module, and the README's template, which its tests render. Each
// snippet is the text between a "// readme:begin NAME" and a "// readme:end" line;
// TestREADME fails when a Go block of the README is not, line for line, one of these
// regions (leading tabs count as four spaces, and the block's common indentation is
// ignored), when a region is in no block, and when an HTML block is not one of the files
// in templates/. To change a snippet, change it here, then copy the region into the
// README.
//
// TestQuickStartFrameworks runs the quick start's Gin and Echo lines with
// templates/product.html against the simulator, and TestAdapterEnv runs the testing
// snippet. Snippets that left the README live on as runnable Example functions of the
// packages they document (core, personyzeotel, personyzetest, the adapters).
package readme
