package core

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// logLimiter lets one line per key through per interval, so a Personyze outage under load
// writes a few readable lines instead of one per page view. The lines it holds back are
// counted and reported with the next line of the same key.
type logLimiter struct {
	interval time.Duration
	now      func() time.Time
	mu       sync.Mutex
	last     map[string]time.Time
	held     map[string]int
	onHold   func()
}

func newLogLimiter(interval time.Duration, now func() time.Time, onHold func()) *logLimiter {
	return &logLimiter{interval: interval, now: now, last: map[string]time.Time{}, held: map[string]int{}, onHold: onHold}
}

// log writes the line if its key has been quiet for the interval.
func (l *logLimiter) log(lg *slog.Logger, level slog.Level, key, msg string, attrs ...slog.Attr) {
	if !lg.Enabled(context.Background(), level) {
		return
	}
	l.mu.Lock()
	now := l.now()
	if last, ok := l.last[key]; ok && now.Sub(last) < l.interval {
		l.held[key]++
		l.mu.Unlock()
		l.onHold()
		return
	}
	held := l.held[key]
	l.last[key] = now
	delete(l.held, key)
	l.mu.Unlock()
	if held > 0 {
		attrs = append(attrs, slog.Int("suppressed", held))
	}
	lg.LogAttrs(context.Background(), level, msg, attrs...)
}
