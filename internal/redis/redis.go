// Package redis is the Redis adapter: live state shared by every controller of a center
// (operators' presence, the queue of waiting calls, claims of call/operator pairs).
// Every change that must not race runs as one Lua script, which Redis executes
// atomically, so two controllers never hand one operator two calls or ring two
// operators for one call.
//
// Keys live under one prefix and are derived inside the scripts, so this adapter is
// for a single Redis (or a primary with replicas), not a sharded cluster.
package redis

import (
	"context"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// State is the Redis live state of one center.
type State struct {
	rdb    goredis.UniversalClient
	prefix string
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Score orders available operators: the lowest score is offered the next call.
	// The default is the time the operator became available (longest idle first).
	Score Strategy
}

// Strategy scores an operator entering the available state; the lowest score wins.
type Strategy func(login string, now time.Time, handledToday int64) float64

// LongestIdle offers the next call to the operator available the longest.
func LongestIdle(_ string, now time.Time, _ int64) float64 { return float64(now.UnixMilli()) }

// FewestCalls offers the next call to the operator who has handled the fewest calls
// today, the longest idle among equals.
func FewestCalls(_ string, now time.Time, handled int64) float64 {
	return float64(handled)*1e13 + float64(now.UnixMilli())
}

// New returns the live state under prefix (e.g. "ikomek:").
func New(rdb goredis.UniversalClient, prefix string) *State {
	return &State{rdb: rdb, prefix: prefix, Now: time.Now, Score: LongestIdle}
}

func (s *State) key(parts ...string) string { return s.prefix + strings.Join(parts, ":") }

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func fromMS(s string) time.Time {
	n, _ := strconv.ParseInt(s, 10, 64)
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n)
}

// Ping reports whether Redis answers.
func (s *State) Ping(ctx context.Context) error { return s.rdb.Ping(ctx).Err() }

func csv(items []string) string { return "," + strings.Join(items, ",") + "," }
