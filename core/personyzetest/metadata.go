package personyzetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Metadata objects: the first path segment of each metadata endpoint.
const (
	ObjectActions      = "actions"
	ObjectPlaceholders = "placeholders"
	ObjectConditions   = "conditions"
)

// MaxMetadataIDs is the largest number of ids one metadata request may filter on; more
// get a 400.
const MaxMetadataIDs = 1000

// metadataColumns lists each object's columns in the order rows are written when a
// request names none.
var metadataColumns = map[string][]string{
	ObjectActions:      {"id", "name", "content_type", "content_param", "content_begin", "content_end", "libs_app", "placeholders"},
	ObjectPlaceholders: {"id", "name", "html_id", "units_count_max"},
	ObjectConditions:   {"id", "name"},
}

// MetadataCounts counts the requests each metadata endpoint received, whatever their
// outcome (401s, 400s and faulted answers included).
type MetadataCounts struct {
	Actions, Placeholders, Conditions int
}

// Total returns the sum of the three counts.
func (c MetadataCounts) Total() int { return c.Actions + c.Placeholders + c.Conditions }

// MetadataRequest is one request to a metadata endpoint as the simulator received it.
type MetadataRequest struct {
	// Object is ObjectActions, ObjectPlaceholders or ObjectConditions.
	Object string
	// Path is the request's URL path as sent (still escaped).
	Path string
	// Columns are the columns asked for, nil when the path names none (all columns).
	Columns []string
	// IDs are the ids of the where filter in the order sent, nil without a filter.
	IDs []int64
	// Header is a copy of the request headers.
	Header http.Header
	// Time is when the request arrived, by Options.Clock.
	Time time.Time
	// Status is the HTTP status answered (0 for FaultReset and FaultHang).
	Status int
	// Error is the message sent with a 400, 401 or 405, "" otherwise.
	Error string
	// Fault is the fault that shaped the answer, FaultNone normally.
	Fault FaultKind
}

// metadataQuery is a parsed metadata path.
type metadataQuery struct {
	object  string
	columns []string // nil: all
	ids     []int64  // nil: no filter
}

// parseMetadataPath parses an escaped URL path that ends in
// <object>[/columns/<c1>,<c2>,...][/where/id:<id1>,<id2>,...] (the two clauses in either
// order; "where/id=<id>" is accepted too). found reports that the path addresses one of
// the three objects at all (404 otherwise); err, when found, is the 400 message.
func parseMetadataPath(escaped string) (q metadataQuery, found bool, err error) {
	segs := strings.Split(escaped, "/")
	at := -1
	for i, seg := range segs {
		_, ok := metadataColumns[seg]
		if ok && (i == len(segs)-1 || segs[i+1] == "columns" || segs[i+1] == "where" ||
			(i == len(segs)-2 && segs[i+1] == "")) {
			at = i
			break
		}
	}
	if at < 0 {
		return q, false, nil
	}
	q.object = segs[at]
	rest := segs[at+1:]
	if len(rest) > 0 && rest[len(rest)-1] == "" {
		rest = rest[:len(rest)-1] // a trailing slash
	}
	seen := map[string]bool{}
	for len(rest) > 0 {
		clause := rest[0]
		if clause != "columns" && clause != "where" {
			return q, true, fmt.Errorf("bad path: unsupported clause %q (only columns and where)", clause)
		}
		if seen[clause] {
			return q, true, fmt.Errorf("bad path: %s given twice", clause)
		}
		seen[clause] = true
		if len(rest) < 2 || rest[1] == "" {
			return q, true, fmt.Errorf("bad path: %s needs a value", clause)
		}
		value, uerr := url.PathUnescape(rest[1])
		if uerr != nil {
			return q, true, fmt.Errorf("bad path: %s value is not valid URL-encoded text", clause)
		}
		if clause == "columns" {
			q.columns, err = parseColumns(q.object, value)
		} else {
			q.ids, err = parseWhere(value)
		}
		if err != nil {
			return q, true, err
		}
		rest = rest[2:]
	}
	return q, true, nil
}

// parseColumns checks a comma-separated column list; repeats are dropped.
func parseColumns(object, value string) ([]string, error) {
	var cols []string
	for c := range strings.SplitSeq(value, ",") {
		if c == "" {
			return nil, errors.New("bad path: empty column name")
		}
		if !slices.Contains(metadataColumns[object], c) {
			return nil, fmt.Errorf("bad path: %s has no column %q", object, c)
		}
		if !slices.Contains(cols, c) {
			cols = append(cols, c)
		}
	}
	return cols, nil
}

// parseWhere parses "id:<n>,<n>,..." (in list) or "id=<n>".
func parseWhere(value string) ([]int64, error) {
	list, ok := strings.CutPrefix(value, "id:")
	if !ok {
		list, ok = strings.CutPrefix(value, "id=")
		if !ok || strings.Contains(list, ",") {
			return nil, fmt.Errorf("bad path: unsupported filter %q (only id:<ids> and id=<id>)", value)
		}
	}
	var ids []int64
	for v := range strings.SplitSeq(list, ",") {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad path: id %q is not an integer", v)
		}
		if len(ids) == MaxMetadataIDs {
			return nil, fmt.Errorf("bad path: more than %d ids", MaxMetadataIDs)
		}
		ids = append(ids, n)
	}
	return ids, nil
}

// serveMetadata answers a request to a metadata endpoint; parseErr is the path's problem.
func (s *Server) serveMetadata(w http.ResponseWriter, r *http.Request, q metadataQuery, parseErr error) {
	rec := MetadataRequest{
		Object: q.object, Path: r.URL.EscapedPath(), Columns: q.columns, IDs: q.ids,
		Header: r.Header.Clone(), Time: s.clock.Now(),
	}
	defer func() { s.recordMetadata(&rec) }()
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		rec.Status, rec.Error = http.StatusMethodNotAllowed, q.object+" accepts only GET"
		http.Error(w, rec.Error, rec.Status)
		return
	}
	fault, done := s.admit(w, r, &s.metaFault, hugeMetadata, parseErr, http.StatusBadRequest, &rec.Status, &rec.Error)
	rec.Fault = fault.Kind
	if done {
		return
	}
	s.mu.Lock()
	acc := s.acc
	s.mu.Unlock()
	rec.Status = http.StatusOK
	s.writeAnswer(w, r, acc.rows(q), fault.Kind == FaultTruncated)
}

// rows renders the JSON array of the rows q selects, by ascending id, with the columns
// in the order asked for. Empty strings are written as null.
func (acc *account) rows(q metadataQuery) []byte {
	cols := q.columns
	if cols == nil {
		cols = metadataColumns[q.object]
	}
	var ids []int64
	switch q.object {
	case ObjectActions:
		for id := range acc.actions {
			ids = append(ids, id)
		}
	case ObjectPlaceholders:
		for id := range acc.placeholders {
			ids = append(ids, id)
		}
	case ObjectConditions:
		for id := range acc.condByID {
			ids = append(ids, id)
		}
	}
	if q.ids != nil {
		ids = slices.DeleteFunc(ids, func(id int64) bool { return !slices.Contains(q.ids, id) })
	}
	slices.Sort(ids)
	var b bytes.Buffer
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		row := acc.row(q.object, id)
		b.WriteByte('{')
		for j, c := range cols {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(c))
			b.WriteByte(':')
			b.Write(cellJSON(row[c]))
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.Bytes()
}

// row returns every column of one row.
func (acc *account) row(object string, id int64) map[string]any {
	switch object {
	case ObjectActions:
		a := acc.actions[id]
		return map[string]any{
			"id": a.ID, "name": a.Name, "content_type": a.ContentType, "content_param": a.ContentParam,
			"content_begin": a.ContentBegin, "content_end": a.ContentEnd, "libs_app": a.LibsApp,
			"placeholders": orEmpty(a.Placeholders),
		}
	case ObjectPlaceholders:
		p := acc.placeholders[id]
		return map[string]any{"id": p.ID, "name": p.Name, "html_id": p.HTMLID, "units_count_max": p.UnitsCountMax}
	default:
		c := acc.condByID[id]
		return map[string]any{"id": c.ID, "name": c.Name}
	}
}

// cellJSON encodes one cell; an empty string is null, as the SDKs expect of unset
// columns.
func cellJSON(v any) []byte {
	if v == "" {
		return []byte("null")
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // ints, strings and int slices only: cannot happen
	}
	return b
}

// recordMetadata counts rec and stores it in the ring of recorded metadata requests.
func (s *Server) recordMetadata(rec *MetadataRequest) {
	s.logger.Debug("personyzetest: metadata",
		"object", rec.Object, "status", rec.Status, "ids", len(rec.IDs),
		"fault", rec.Fault.String(), "error", rec.Error)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch rec.Object {
	case ObjectActions:
		s.metaCounts.Actions++
	case ObjectPlaceholders:
		s.metaCounts.Placeholders++
	case ObjectConditions:
		s.metaCounts.Conditions++
	}
	s.metaReqs.push(*rec, rec.size(), s.maxRequests, s.maxRecordedBytes)
}

// MetadataCounts returns how many requests each metadata endpoint has received since
// the server started or Reset was last called.
func (s *Server) MetadataCounts() MetadataCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.metaCounts
}

// MetadataRequests returns the recorded metadata requests in the order their handling
// ended, up to Options.MaxRequests (DefaultMaxRequests) of the most recent, holding at
// most Options.MaxRecordedBytes (DefaultMaxRecordedBytes). Don't modify
// the returned Columns, IDs and Header: they are shared with the server's record.
func (s *Server) MetadataRequests() []MetadataRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(make([]MetadataRequest, 0, len(s.metaReqs.items)), s.metaReqs.items...)
}
