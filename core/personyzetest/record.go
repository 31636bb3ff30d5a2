package personyzetest

import (
	"log/slog"
	"strings"
)

// record stores rec in the ring of recorded requests and logs it.
func (s *Server) record(rec *Request) {
	s.logger.Debug("personyzetest: tracker-v1",
		slog.Int("status", rec.Status),
		slog.Any("user_id", rec.UserID),
		slog.Int("commands", len(rec.Commands)),
		slog.String("fault", rec.Fault.String()),
		slog.String("error", rec.Error))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs.push(*rec, rec.size(), s.maxRequests, s.maxRecordedBytes)
}

// Requests returns the recorded tracker-v1 requests in the order their handling ended
// (which is arrival order unless faults delay some of them; Request.Time is the arrival):
// every request to a
// tracker-v1 path, valid or not, up to Options.MaxRequests (DefaultMaxRequests) of the
// most recent, holding at most Options.MaxRecordedBytes (DefaultMaxRecordedBytes). The returned Requests share their Header, RawBody and Commands with the
// server's record; don't modify them.
func (s *Server) Requests() []Request {
	return s.filter(func(*Request) bool { return true })
}

// RequestsFor returns the recorded requests whose valid body carried userID, oldest
// first, whatever their outcome (see Request.Status and Request.ResponseSessionID).
func (s *Server) RequestsFor(userID uint32) []Request {
	return s.filter(func(r *Request) bool { return r.Decoded && r.UserID == userID })
}

// Commands returns, oldest first, every command named name (matched case-insensitively)
// in the requests of userID that the simulator processed, i.e. whose events it applied.
func (s *Server) Commands(userID uint32, name string) []Command {
	var out []Command
	for _, r := range s.RequestsFor(userID) {
		if r.ResponseSessionID == "" {
			continue
		}
		for _, c := range r.Commands {
			if strings.EqualFold(c.Name, name) {
				out = append(out, c)
			}
		}
	}
	return out
}

// Reset forgets the recorded tracker and metadata requests and zeroes MetadataCounts.
// Visitor state (action statuses included), the account, the cache_version and the
// faults are kept.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs.reset()
	s.metaReqs.reset()
	s.metaCounts = MetadataCounts{}
}

func (s *Server) filter(keep func(*Request) bool) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, 0, len(s.reqs.items))
	for i := range s.reqs.items {
		if r := &s.reqs.items[i]; keep(r) {
			out = append(out, *r)
		}
	}
	return out
}
