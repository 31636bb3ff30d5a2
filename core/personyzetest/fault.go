package personyzetest

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// FaultKind selects how a faulty answer looks.
type FaultKind uint8

// Fault kinds. Latency and Truncated let the request through to the simulated service
// (the service did its work; the answer was slow or cut on the way back); every other kind
// answers without touching visitor state.
const (
	// FaultNone answers normally.
	FaultNone FaultKind = iota
	// FaultLatency waits Fault.Latency and then answers normally.
	FaultLatency
	// FaultStatus answers Fault.Status (default 503) with Fault.Message as the body and a
	// Retry-After header when Fault.RetryAfter is set.
	FaultStatus
	// FaultGarbage answers 200 with a body that is not JSON.
	FaultGarbage
	// FaultTruncated answers 200 with the first half of the normal JSON answer.
	FaultTruncated
	// FaultHuge answers 200 with an 8 MiB body, streamed.
	FaultHuge
	// FaultReset closes the TCP connection abruptly (RST) without answering.
	FaultReset
	// FaultHang never answers; the handler returns when the client gives up or the server
	// is closed.
	FaultHang
	// FaultEmpty answers 200 with an empty body.
	FaultEmpty
)

// String returns the kind's name, e.g. "FaultHang".
func (k FaultKind) String() string {
	names := [...]string{"FaultNone", "FaultLatency", "FaultStatus", "FaultGarbage",
		"FaultTruncated", "FaultHuge", "FaultReset", "FaultHang", "FaultEmpty"}
	if int(k) < len(names) {
		return names[k]
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// HugeBodyBytes is the size of a FaultHuge body.
const HugeBodyBytes = 8 << 20

// Fault describes misbehaviour to inject into tracker-v1 answers (Server.SetFault) or
// into the metadata endpoints' answers (Server.SetMetadataFault).
type Fault struct {
	Kind FaultKind
	// Latency delays the answer, in real time, whatever the Kind (so FaultStatus with a
	// Latency is a slow error). The delay ends early when the client goes away or the
	// server closes.
	Latency time.Duration
	// Status is the status of FaultStatus; 0 means 503.
	Status int
	// Message is the body of FaultStatus; "" means the status text.
	Message string
	// RetryAfter, when positive, is sent with FaultStatus as a Retry-After header in whole
	// seconds (rounded up).
	RetryAfter time.Duration
	// Count limits the fault to the next Count requests; 0 keeps it until ClearFault.
	Count int
}

// SetFault makes the following tracker-v1 requests misbehave as f describes. It replaces
// any previous tracker fault and is safe to call while requests are being served. The
// metadata endpoints have their own fault (SetMetadataFault).
func (s *Server) SetFault(f Fault) { s.fault.set(f) }

// ClearFault makes the tracker endpoint answer normally again.
func (s *Server) ClearFault() { s.fault.set(Fault{}) }

// SetMetadataFault makes the following requests to the three metadata endpoints
// (actions, placeholders, conditions) misbehave as f describes, independently of the
// tracker's fault; Fault.Count counts metadata requests. FaultHuge streams a JSON array
// and FaultTruncated cuts the metadata answer in half.
func (s *Server) SetMetadataFault(f Fault) { s.metaFault.set(f) }

// ClearMetadataFault makes the metadata endpoints answer normally again.
func (s *Server) ClearMetadataFault() { s.metaFault.set(Fault{}) }

// faultSlot holds the fault of one group of endpoints.
type faultSlot struct {
	mu sync.Mutex
	f  *Fault
}

func (fs *faultSlot) set(f Fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f.Kind == FaultNone && f.Latency == 0 {
		fs.f = nil
		return
	}
	fs.f = &f
}

// take returns the fault for the request now arriving, counting it against Fault.Count.
func (fs *faultSlot) take() (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.f == nil {
		return Fault{}, false
	}
	f := *fs.f
	if fs.f.Count > 0 {
		fs.f.Count--
		if fs.f.Count == 0 {
			fs.f = nil
		}
	}
	return f, true
}

// hugeShape is the JSON a FaultHuge body wraps around its filler string.
type hugeShape struct{ head, tail string }

var (
	hugeTracker  = hugeShape{`{"session_id":null,"cache_version":0,"conditions":[],"actions":[{"id":1,"data":{"data":"`, `"}}],"dismiss_conditions":[],"dismiss_actions":[]}`}
	hugeMetadata = hugeShape{`[{"id":1,"name":"`, `"}]`}
)

// gate applies the fault of slot to a request arriving now: it waits the fault's latency
// and answers the kinds that bypass the simulated service. done reports that the request
// needs no further answer (status is what was sent, 0 for none); otherwise the caller
// answers normally, cutting the body when f.Kind is FaultTruncated.
func (s *Server) gate(w http.ResponseWriter, r *http.Request, slot *faultSlot, shape hugeShape) (f Fault, status int, done bool) {
	f, faulted := slot.take()
	if !faulted {
		return f, 0, false
	}
	switch s.wait(r.Context(), f.Latency) {
	case waitAbandoned:
		return f, 0, true
	case waitClosed:
		return f, closedAnswer(w), true
	}
	if f.Kind == FaultNone || f.Kind == FaultLatency || f.Kind == FaultTruncated {
		return f, 0, false
	}
	return f, s.writeFault(w, r, f, shape), true
}

// waitResult tells why a wait ended.
type waitResult uint8

const (
	waitElapsed   waitResult = iota // the full delay passed
	waitAbandoned                   // the client went away
	waitClosed                      // the server is closing
)

// wait blocks for d of real time (forever when d < 0), or until the request is abandoned
// or the server closes.
func (s *Server) wait(ctx context.Context, d time.Duration) waitResult {
	if d == 0 {
		return waitElapsed
	}
	var elapsed <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		elapsed = t.C
	}
	select {
	case <-elapsed:
		return waitElapsed
	case <-ctx.Done():
		return waitAbandoned
	case <-s.done:
		return waitClosed
	}
}

// closedAnswer ends a request cut short by Close. On the Server's own listener the
// connection is already gone, so this only reaches clients of a mounted Handler.
func closedAnswer(w http.ResponseWriter) int {
	http.Error(w, "simulator closed", http.StatusServiceUnavailable)
	return http.StatusServiceUnavailable
}

// garbageBody is what FaultGarbage answers: the kind of HTML a proxy sends.
const garbageBody = "<html><head><title>502 Bad Gateway</title></head><body>upstream hiccup</body></html>\n"

// writeFault answers according to one of the kinds that bypass the service. It returns
// the status sent (0 when none was).
func (s *Server) writeFault(w http.ResponseWriter, r *http.Request, f Fault, shape hugeShape) int {
	switch f.Kind {
	case FaultStatus:
		status := f.Status
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		msg := f.Message
		if msg == "" {
			msg = http.StatusText(status)
		}
		if f.RetryAfter > 0 {
			secs := (f.RetryAfter + time.Second - 1) / time.Second
			w.Header().Set("Retry-After", strconv.FormatInt(int64(secs), 10))
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(msg))
		return status
	case FaultGarbage:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(garbageBody))
		return http.StatusOK
	case FaultEmpty:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return http.StatusOK
	case FaultHuge:
		s.writeHuge(w, r, shape)
		return http.StatusOK
	case FaultReset:
		resetConnection(w)
		return 0
	case FaultHang:
		if s.wait(r.Context(), -1) == waitClosed {
			return closedAnswer(w)
		}
		return 0
	}
	return 0
}

// writeHuge streams HugeBodyBytes of syntactically valid JSON without a Content-Length,
// so that a client can only protect itself by limiting what it reads. One shared
// read-only chunk is written over and over, so a request holds no more than 32 KiB.
func (s *Server) writeHuge(w http.ResponseWriter, r *http.Request, shape hugeShape) {
	head, tail := shape.head, shape.tail
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte(head)); err != nil {
		return
	}
	left := HugeBodyBytes - len(head) - len(tail)
	for left > 0 {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		default:
		}
		n := min(left, len(s.hugeChunk))
		if _, err := w.Write(s.hugeChunk[:n]); err != nil {
			return
		}
		left -= n
	}
	_, _ = w.Write([]byte(tail))
}

// resetConnection closes the client's TCP connection with SO_LINGER 0, which makes the
// kernel send RST. When the ResponseWriter cannot be hijacked (a handler mounted behind
// middleware that hides it, or HTTP/2), it aborts the handler, which also drops the
// connection, if less abruptly.
func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// truncate returns the first half of body.
func truncate(body []byte) []byte {
	return bytes.Clone(body[:len(body)/2])
}
