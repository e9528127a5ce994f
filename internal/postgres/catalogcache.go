package postgres

import (
	"context"
	"errors"
	"maps"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ikomek/ikomek/internal/tickets"
)

// catalogCache keeps what new tickets read from the catalogue (category,
// department, SLA policy in force) between batches, so that creating a ticket
// normally costs no catalogue query. Every change of categories, departments or
// SLA policies bumps catalog_generation (triggers); a batch written from the cache
// checks the generation in its own transaction and is refused when it moved, so a
// ticket never copies a policy that was no longer in force when it was written.
type catalogCache struct {
	mu   sync.Mutex
	snap *catalogSnapshot
}

// catalogSnapshot is an immutable set of look-ups read at one generation.
type catalogSnapshot struct {
	gen      int64
	fetched  map[string]bool // code/requested priority keys read, found or not
	cats     map[string]tickets.Category
	deps     map[string]tickets.Department
	policies map[string]*tickets.Policy
}

// staleCatalog is the SQLSTATE check_catalog_generation raises.
const staleCatalog = "IK001"

func isStaleCatalog(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == staleCatalog
}

func catalogKey(code string, p tickets.Priority) string { return code + "/" + string(p) }

// snapshot returns a snapshot holding every key of want, reading those it lacks
// (or all of them when fresh is set) in one round trip. read reports whether the
// database was asked.
func (c *catalogCache) snapshot(ctx context.Context, q *DB, want map[string][2]string, fresh bool) (s *catalogSnapshot, read bool, err error) {
	c.mu.Lock()
	s = c.snap
	c.mu.Unlock()
	if s != nil && !fresh {
		missing := false
		for k := range want {
			if !s.fetched[k] {
				missing = true
				break
			}
		}
		if !missing {
			return s, false, nil
		}
	}
	var gen int64
	l := &lookup{ctx: ctx, q: q.Pool}
	var b pgx.Batch
	// The generation is read first: if the catalogue changes while the rest is
	// read, the snapshot carries the older number and is refused when used.
	b.Queue(`SELECT n FROM catalog_generation`).QueryRow(func(r pgx.Row) error { return r.Scan(&gen) })
	for _, cp := range want {
		l.queuePrefetch(&b, cp[0], tickets.Priority(cp[1]))
	}
	if err := q.Pool.SendBatch(ctx, &b).Close(); err != nil {
		return nil, true, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	next := &catalogSnapshot{gen: gen, fetched: map[string]bool{}, cats: map[string]tickets.Category{},
		deps: map[string]tickets.Department{}, policies: map[string]*tickets.Policy{}}
	if old := c.snap; old != nil && old.gen == gen {
		maps.Copy(next.fetched, old.fetched)
		maps.Copy(next.cats, old.cats)
		maps.Copy(next.deps, old.deps)
		maps.Copy(next.policies, old.policies)
	}
	for k := range want {
		next.fetched[k] = true
	}
	maps.Copy(next.cats, l.cats)
	maps.Copy(next.deps, l.deps)
	maps.Copy(next.policies, l.policies)
	if c.snap == nil || c.snap.gen <= gen {
		c.snap = next
	}
	return next, true, nil
}

// forget drops the snapshot of generation gen after it was found stale.
func (c *catalogCache) forget(gen int64) {
	c.mu.Lock()
	if c.snap != nil && c.snap.gen == gen {
		c.snap = nil
	}
	c.mu.Unlock()
}

// lookup answers the ticket rules from the snapshot; what it lacks is read from
// the database through q.
func (s *catalogSnapshot) lookup(ctx context.Context, q querier) *lookup {
	// The rules may add to a lookup's maps, and the snapshot is shared: copies.
	return &lookup{ctx: ctx, q: q, cats: maps.Clone(s.cats), deps: maps.Clone(s.deps), policies: maps.Clone(s.policies)}
}
