package auth_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/auth"
)

// countingStore knows one secret and counts the look-ups that reach it.
type countingStore struct {
	auth.TokenStore
	secret  string
	revoked atomic.Bool
	calls   atomic.Int64
}

func (s *countingStore) Authenticate(ctx context.Context, secret string) (auth.Principal, error) {
	s.calls.Add(1)
	time.Sleep(time.Millisecond) // a look-up takes a while, so concurrent misses overlap
	if secret != s.secret || s.revoked.Load() {
		return auth.Principal{}, apperr.Errorf(apperr.Unauthorized, "invalid token")
	}
	return auth.Principal{TokenID: 7, Name: "op", Role: auth.Operator}, nil
}

func (s *countingStore) Revoke(ctx context.Context, id int64) error {
	s.revoked.Store(true)
	return nil
}

func TestCache(t *testing.T) {
	secret, _ := auth.NewSecret()
	other, _ := auth.NewSecret()
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	newCache := func() (*auth.Cache, *countingStore) {
		st := &countingStore{secret: secret}
		return &auth.Cache{Next: st, TTL: 5 * time.Second, Now: func() time.Time { return now }}, st
	}

	t.Run("reuses a success until the TTL ends", func(t *testing.T) {
		c, st := newCache()
		for range 10 {
			if p, err := c.Authenticate(ctx, secret); err != nil || p.TokenID != 7 {
				t.Fatalf("Authenticate = %+v, %v", p, err)
			}
		}
		if n := st.calls.Load(); n != 1 {
			t.Fatalf("store asked %d times, want 1", n)
		}
		now = now.Add(6 * time.Second)
		c.Authenticate(ctx, secret)
		if n := st.calls.Load(); n != 2 {
			t.Fatalf("after the TTL the store was asked %d times in all, want 2", n)
		}
	})
	t.Run("never remembers a failure", func(t *testing.T) {
		c, st := newCache()
		for range 3 {
			if _, err := c.Authenticate(ctx, other); apperr.Code(err) != apperr.Unauthorized {
				t.Fatalf("unknown secret: err = %v, want Unauthorized", err)
			}
		}
		if n := st.calls.Load(); n != 3 {
			t.Fatalf("store asked %d times, want 3", n)
		}
	})
	t.Run("concurrent misses share one look-up", func(t *testing.T) {
		c, st := newCache()
		var wg sync.WaitGroup
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.Authenticate(ctx, secret); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n := st.calls.Load(); n > 5 {
			t.Fatalf("50 concurrent requests asked the store %d times", n)
		}
	})
	t.Run("revoking through the cache works at once", func(t *testing.T) {
		c, _ := newCache()
		c.Authenticate(ctx, secret)
		if err := c.Revoke(ctx, 7); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Authenticate(ctx, secret); apperr.Code(err) != apperr.Unauthorized {
			t.Fatalf("after Revoke: err = %v, want Unauthorized", err)
		}
	})
}
