package shop

import (
	"bytes"
	"encoding/json"
	"strings"
)

// prettyJSON indents JSON for the debug panel like json.Indent, except that
// an array of plain values stays on one line, so each tracker command reads
// as ["Product Viewed", "desk-lamp"]. Invalid JSON is returned as it came.
func prettyJSON(raw []byte) string {
	var b strings.Builder
	if err := writePretty(&b, bytes.TrimSpace(raw), ""); err != nil {
		return string(raw)
	}
	return b.String()
}

// writePretty writes one JSON value at the given indentation.
func writePretty(b *strings.Builder, raw []byte, indent string) error {
	if len(raw) == 0 {
		return json.Unmarshal(raw, new(any)) // reports the syntax error
	}
	switch raw[0] {
	case '{':
		return writeObject(b, raw, indent)
	case '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return err
		}
		flat := true
		for _, e := range elems {
			if c := bytes.TrimSpace(e); len(c) > 0 && (c[0] == '{' || c[0] == '[') {
				flat = false
			}
		}
		if flat || len(elems) == 0 {
			return writeCompact(b, raw, ", ")
		}
		b.WriteString("[\n")
		for i, e := range elems {
			b.WriteString(indent + "  ")
			e = bytes.TrimSpace(e)
			write := writePretty
			if flatObject(e) {
				write = func(b *strings.Builder, raw []byte, _ string) error { return writeCompact(b, raw, ",") }
			}
			if err := write(b, e, indent+"  "); err != nil {
				return err
			}
			if i < len(elems)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "]")
		return nil
	default:
		return writeCompact(b, raw, ",")
	}
}

// writeObject writes an object with one key per line, in the input's order.
func writeObject(b *strings.Builder, raw []byte, indent string) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	b.WriteString("{")
	first := true
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return err
		}
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return err
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(key)
		b.WriteString("\n" + indent + "  " + string(k) + ": ")
		if err := writePretty(b, bytes.TrimSpace(val), indent+"  "); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // }
		return err
	}
	if !first {
		b.WriteString("\n" + indent)
	}
	b.WriteString("}")
	return nil
}

// writeCompact writes a plain value or flat array on one line, with sep
// after each comma of an array.
func writeCompact(b *strings.Builder, raw []byte, sep string) error {
	var c bytes.Buffer
	if err := json.Compact(&c, raw); err != nil {
		return err
	}
	if c.Len() > 0 && c.Bytes()[0] == '[' {
		var elems []json.RawMessage
		if err := json.Unmarshal(c.Bytes(), &elems); err != nil {
			return err
		}
		parts := make([]string, len(elems))
		for i, e := range elems {
			parts[i] = string(e)
		}
		b.WriteString("[" + strings.Join(parts, sep) + "]")
		return nil
	}
	b.Write(c.Bytes())
	return nil
}

// flatObject reports whether raw is an object whose values are all plain
// (a recommended item, say): the panel prints such an array element on one
// line.
func flatObject(raw []byte) bool {
	if len(raw) == 0 || raw[0] != '{' {
		return false
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return false
	}
	for _, v := range fields {
		if v = bytes.TrimSpace(v); len(v) > 0 && (v[0] == '{' || v[0] == '[') {
			return false
		}
	}
	return true
}
