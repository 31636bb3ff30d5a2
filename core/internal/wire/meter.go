package wire

import "context"

// Meter collects what one Send learns that its result does not carry: the bytes sent and
// received and the last status, summed over the parts of a split request. It feeds the
// per-call hook of package core and is only filled when Options.Metered is set, so calls
// without a hook pay one comparison for it.
type Meter struct {
	RequestBytes  int // JSON bytes sent
	ResponseBytes int // decoded (after gzip) bytes of successful answers
	Status        int // HTTP status of the last answer, 0 when none came
}

type meterKey struct{}

// WithMeter returns ctx carrying m, for a Send whose sizes the caller wants.
func WithMeter(ctx context.Context, m *Meter) context.Context {
	return context.WithValue(ctx, meterKey{}, m)
}

// meter returns the Meter of ctx, or nil when the Client is not metered or ctx has none.
func (c *Client) meter(ctx context.Context) *Meter {
	if !c.opts.Metered {
		return nil
	}
	m, _ := ctx.Value(meterKey{}).(*Meter)
	return m
}

// sent records the size of one request part; nil-safe.
func (m *Meter) sent(n int) {
	if m != nil {
		m.RequestBytes += n
	}
}

// answered records the status of an answer; nil-safe.
func (m *Meter) answered(status int) {
	if m != nil {
		m.Status = status
	}
}

// received records the decoded size of an answer; nil-safe.
func (m *Meter) received(n int) {
	if m != nil {
		m.ResponseBytes += n
	}
}
