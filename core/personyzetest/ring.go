package personyzetest

import "net/http"

// ring holds the most recent records, oldest first, within a count and a byte bound:
// the count alone would let requests of MaxRequestBytes each hold 50 KB per record.
type ring[T any] struct {
	items []T
	sizes []int // the estimated bytes of each item
	bytes int   // their sum
}

// push appends x, which holds size bytes, and drops the oldest records until at most max
// are left holding at most maxBytes (0: no byte bound). max < 0 records nothing.
func (r *ring[T]) push(x T, size, max, maxBytes int) {
	if max < 0 {
		return
	}
	r.items = append(r.items, x)
	r.sizes = append(r.sizes, size)
	r.bytes += size
	for len(r.items) > 0 && (len(r.items) > max || maxBytes > 0 && r.bytes > maxBytes) {
		var zero T
		r.items[0] = zero // the backing array outlives the slice start: let the record go
		r.bytes -= r.sizes[0]
		r.items, r.sizes = r.items[1:], r.sizes[1:]
	}
}

// reset forgets every record.
func (r *ring[T]) reset() { *r = ring[T]{} }

// Estimated bytes of a record's parts besides their text, for the byte bound.
const (
	recordOverhead = 256 // the record's fixed fields
	headerOverhead = 48  // a header map slot and its value slice
	stringOverhead = 16
	argOverhead    = 32 // an interface value and what it points to
)

// headerBytes estimates the bytes of a copied header.
func headerBytes(h http.Header) int {
	n := 0
	for k, vs := range h {
		n += len(k) + headerOverhead
		for _, v := range vs {
			n += len(v) + stringOverhead
		}
	}
	return n
}

// size estimates the bytes a recorded Request holds.
func (r *Request) size() int {
	n := recordOverhead + len(r.RawBody) + headerBytes(r.Header) + len(r.Error) + len(r.PastSessions) +
		len(r.Platform) + len(r.Languages) + len(r.Screen) + len(r.OS) + len(r.DeviceType) + len(r.ResponseSessionID)
	if r.SessionID != nil {
		n += len(*r.SessionID) + stringOverhead
	}
	for _, c := range r.Commands {
		n += len(c.Name) + stringOverhead
		for _, a := range c.Args {
			n += argOverhead
			if s, ok := a.(string); ok {
				n += len(s)
			}
		}
	}
	return n
}

// size estimates the bytes a recorded MetadataRequest holds.
func (r *MetadataRequest) size() int {
	n := recordOverhead + len(r.Path) + headerBytes(r.Header) + len(r.Error) + 8*len(r.IDs)
	for _, c := range r.Columns {
		n += len(c) + stringOverhead
	}
	return n
}
