package auth

import (
	"context"
	"encoding/hex"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Cache is a TokenStore that remembers successful authentications for a short
// time, so a busy API does not ask the database about the same token on every
// request. A token revoked through this Cache stops working at once; one revoked
// elsewhere (another process, the CLI) works here for at most TTL more.
// Failures are never cached: a token created elsewhere works at once.
type Cache struct {
	Next TokenStore
	// TTL is how long a successful authentication is reused; 0 means 5 s.
	TTL time.Duration
	// Max bounds the remembered tokens; when full the cache starts over. 0 means 10,000.
	Max int
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	entries map[[32]byte]cacheEntry
	flight  singleflight.Group
}

type cacheEntry struct {
	p     Principal
	until time.Time
}

var _ TokenStore = (*Cache)(nil)

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Authenticate answers from memory while the entry is fresh. Concurrent misses for
// one secret share a single look-up.
func (c *Cache) Authenticate(ctx context.Context, secret string) (Principal, error) {
	if !WellFormed(secret) {
		return c.Next.Authenticate(ctx, secret) // the store words the refusal
	}
	h := HashSecret(secret)
	c.mu.Lock()
	e, ok := c.entries[h]
	c.mu.Unlock()
	if ok && c.now().Before(e.until) {
		return e.p, nil
	}
	v, err, _ := c.flight.Do(hex.EncodeToString(h[:]), func() (any, error) {
		p, err := c.Next.Authenticate(ctx, secret)
		if err != nil {
			return p, err
		}
		ttl := c.TTL
		if ttl <= 0 {
			ttl = 5 * time.Second
		}
		limit := c.Max
		if limit <= 0 {
			limit = 10000
		}
		c.mu.Lock()
		if c.entries == nil || len(c.entries) >= limit {
			c.entries = map[[32]byte]cacheEntry{}
		}
		c.entries[h] = cacheEntry{p: p, until: c.now().Add(ttl)}
		c.mu.Unlock()
		return p, nil
	})
	return v.(Principal), err
}

// Create passes through.
func (c *Cache) Create(ctx context.Context, name string, role Role, subject string, expiresAt *time.Time) (Token, string, error) {
	return c.Next.Create(ctx, name, role, subject, expiresAt)
}

// List passes through.
func (c *Cache) List(ctx context.Context) ([]Token, error) { return c.Next.List(ctx) }

// Revoke revokes in the store and forgets the token here.
func (c *Cache) Revoke(ctx context.Context, id int64) error {
	if err := c.Next.Revoke(ctx, id); err != nil {
		return err
	}
	c.mu.Lock()
	for h, e := range c.entries {
		if e.p.TokenID == id {
			delete(c.entries, h)
		}
	}
	c.mu.Unlock()
	return nil
}
