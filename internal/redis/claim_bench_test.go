package redis_test

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/ikomek/ikomek/internal/operators"
	"github.com/ikomek/ikomek/internal/redis"
	"github.com/ikomek/ikomek/internal/testenv"
)

// BenchmarkClaim compares, side by side and from 8 concurrent claimers (several
// controllers), the atomic Lua claim with the usual alternative: an optimistic
// WATCH/MULTI transaction that reads the queue and the operators, picks a pair in Go
// and retries when another claimer changed them first. Each operation enqueues a call,
// frees an operator and claims the pair.
func BenchmarkClaim(b *testing.B) {
	for _, impl := range []string{"lua", "watch-multi"} {
		b.Run(impl, func(b *testing.B) {
			rdb, prefix := testenv.Redis(b)
			s := redis.New(rdb, prefix)
			p := redis.NewPresence(s, 3, nil)
			ctx := context.Background()
			const ops = 30
			var logins []operators.Operator
			for i := 0; i < ops; i++ {
				logins = append(logins, operators.Operator{Login: "op" + strconv.Itoa(i), Languages: []string{"ru"},
					Lines: []string{"109"}, Active: true})
			}
			if err := p.Sync(ctx, logins); err != nil {
				b.Fatal(err)
			}
			for _, o := range logins {
				p.SetRegistered(ctx, o.Login, true, ast)
			}
			var next, retries atomic.Int64
			b.SetParallelism(4) // 2 cores x 4 = 8 claimers
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					id := next.Add(1)
					login := logins[id%ops].Login
					// Free the operator (whatever it was doing) and queue a call.
					rdb.HSet(ctx, prefix+"op:"+login, "state", "offline")
					p.Login(ctx, login)
					p.Enqueue(ctx, redis.QueuedCall{ID: id, AsteriskID: ast, Language: "ru", Line: "109", ArrivedAt: time.Now()})
					if impl == "lua" {
						if _, _, _, err := p.Claim(ctx, ast); err != nil {
							b.Error(err)
						}
					} else {
						retries.Add(int64(watchClaim(ctx, rdb, prefix)))
					}
				}
			})
			b.ReportMetric(float64(retries.Load())/float64(b.N), "retries/op")
		})
	}
}

// watchClaim is the optimistic alternative: returns how many times it had to retry.
func watchClaim(ctx context.Context, rdb *goredis.Client, prefix string) int {
	for attempt := 0; attempt < 100; attempt++ {
		err := rdb.Watch(ctx, func(tx *goredis.Tx) error {
			calls, err := tx.ZRange(ctx, prefix+"queue", 0, 499).Result()
			if err != nil || len(calls) == 0 {
				return err
			}
			avail, err := tx.ZRange(ctx, prefix+"avail", 0, -1).Result()
			if err != nil || len(avail) == 0 {
				return err
			}
			for _, cid := range calls {
				c, _ := tx.HMGet(ctx, prefix+"call:"+cid, "asterisk", "lang", "line", "state").Result()
				if c[0] != ast || c[3] != "waiting" {
					continue
				}
				for _, op := range avail {
					o, _ := tx.HMGet(ctx, prefix+"op:"+op, "langs", "lines", "state", "registered").Result()
					if o[2] != "available" || o[3] != "1" || !strings.Contains(o[0].(string), ","+c[1].(string)+",") {
						continue
					}
					_, err := tx.TxPipelined(ctx, func(pipe goredis.Pipeliner) error {
						pipe.ZRem(ctx, prefix+"queue", cid)
						pipe.ZRem(ctx, prefix+"avail", op)
						pipe.HSet(ctx, prefix+"op:"+op, "state", "ringing", "call", cid)
						pipe.HSet(ctx, prefix+"call:"+cid, "state", "ringing", "operator", op)
						return nil
					})
					return err
				}
			}
			return nil
		}, prefix+"queue", prefix+"avail")
		if err != goredis.TxFailedErr {
			return attempt
		}
	}
	return 100
}
