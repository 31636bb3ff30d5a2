package personyzeredis

import (
	"context"

	"github.com/redis/go-redis/v9"

	"github.com/gopersonyze/personyze/core"
)

var _ core.HeldReportStore = (*Store)(nil)

// PushHeld implements core.HeldReportStore: RPUSH to the visitor's list, which expires
// after Options.TTL, in one round trip.
func (s *Store) PushHeld(ctx context.Context, key string, entry []byte) error {
	k := s.o.Prefix + key
	_, err := s.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.RPush(ctx, k, entry)
		p.Expire(ctx, k, s.o.TTL)
		return nil
	})
	return err
}

// TakeHeld implements core.HeldReportStore: LRANGE and DEL in one MULTI, so an entry is
// taken by one caller only and none is deleted without being returned.
func (s *Store) TakeHeld(ctx context.Context, key string) ([][]byte, error) {
	k := s.o.Prefix + key
	var lr *redis.StringSliceCmd
	_, err := s.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		lr = p.LRange(ctx, k, 0, -1)
		p.Del(ctx, k)
		return nil
	})
	if err != nil {
		return nil, err
	}
	vals := lr.Val()
	out := make([][]byte, len(vals))
	for i, v := range vals {
		out[i] = []byte(v)
	}
	return out, nil
}

// RemoveHeld implements core.HeldReportStore: LREM of the entry (unique by its token);
// true when this call removed it.
func (s *Store) RemoveHeld(ctx context.Context, key string, entry []byte) (bool, error) {
	n, err := s.c.LRem(ctx, s.o.Prefix+key, 1, entry).Result()
	return n > 0, err
}
