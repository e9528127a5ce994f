package redis

import (
	"context"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Queue hash "call:ID": asterisk, lang, line, priority, arrived (ms), rank, state
// (waiting|ringing), operator. Sorted set "queue": waiting calls by rank, so that a
// higher priority comes first and, within a priority, the earlier arrival.

// MaxPriority is the highest call priority (emergencies).
const MaxPriority = 9

// QueuedCall is a call waiting for an operator.
type QueuedCall struct {
	ID         int64
	AsteriskID string // only a controller of this Asterisk may claim it
	Language   string // "ru", "kk"
	Line       string // "109", "556655"
	Priority   int    // 0 normal .. MaxPriority
	ArrivedAt  time.Time
}

func rank(c QueuedCall) float64 {
	return float64(MaxPriority-c.Priority)*1e13 + float64(c.ArrivedAt.UnixMilli())
}

// Enqueue puts a call in line (again: its rank keeps its place).
func (s *State) Enqueue(ctx context.Context, c QueuedCall) error {
	if c.Priority < 0 || c.Priority > MaxPriority {
		return fmt.Errorf("priority %d outside 0..%d", c.Priority, MaxPriority)
	}
	id := strconv.FormatInt(c.ID, 10)
	r := rank(c)
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, s.key("call", id), "asterisk", c.AsteriskID, "lang", c.Language, "line", c.Line,
		"priority", c.Priority, "arrived", c.ArrivedAt.UnixMilli(), "rank", r, "state", "waiting", "operator", "")
	pipe.ZAdd(ctx, s.key("queue"), goredis.Z{Score: r, Member: id})
	_, err := pipe.Exec(ctx)
	return err
}

// claimScript picks the first waiting call of an Asterisk (by rank) that an available
// operator can take (language and line), and the best such operator (lowest score),
// and marks both ringing, atomically.
// ARGV: prefix, asterisk id, now ms, scan limit. Returns {call id, login} or nil.
var claimScript = goredis.NewScript(`
local P, ast, now = ARGV[1], ARGV[2], ARGV[3]
local ops = redis.call('ZRANGE', P .. 'avail', 0, -1)
if #ops == 0 then return false end
local calls = redis.call('ZRANGE', P .. 'queue', 0, tonumber(ARGV[4]) - 1)
if #calls == 0 then return false end
local opf = {}
for i, op in ipairs(ops) do
  opf[i] = redis.call('HMGET', P .. 'op:' .. op, 'langs', 'lines', 'state', 'registered', 'reg_ast', 'active')
end
for _, cid in ipairs(calls) do
  local c = redis.call('HMGET', P .. 'call:' .. cid, 'asterisk', 'lang', 'line', 'state')
  if c[1] == ast and c[4] == 'waiting' then
    local lang, line = ',' .. (c[2] or '') .. ',', ',' .. (c[3] or '') .. ','
    for i, op in ipairs(ops) do
      local o = opf[i]
      if o[3] == 'available' and o[4] == '1' and o[5] == ast and o[6] == '1'
         and string.find(o[1] or '', lang, 1, true) and string.find(o[2] or '', line, 1, true) then
        redis.call('ZREM', P .. 'queue', cid)
        redis.call('ZREM', P .. 'avail', op)
        redis.call('HSET', P .. 'op:' .. op, 'state', 'ringing', 'since', now, 'call', cid, 'reason', '')
        redis.call('HSET', P .. 'call:' .. cid, 'state', 'ringing', 'operator', op)
        return {cid, op}
      end
    end
  end
end
return false
`)

// Claim pairs the first waiting call of asteriskID with an operator who can take it,
// marking the operator ringing and the call offered. ok is false when no pair exists.
func (s *State) Claim(ctx context.Context, asteriskID string) (callID int64, login string, ok bool, err error) {
	res, err := claimScript.Run(ctx, s.rdb, nil, s.prefix, asteriskID, ms(s.Now()), 500).StringSlice()
	if err == goredis.Nil {
		return 0, "", false, nil
	}
	if err != nil {
		return 0, "", false, fmt.Errorf("claim: %w", err)
	}
	callID, _ = strconv.ParseInt(res[0], 10, 64)
	return callID, res[1], true, nil
}

// requeueScript puts an offered call back in line with its original rank.
var requeueScript = goredis.NewScript(`
local k = ARGV[1] .. 'call:' .. ARGV[2]
local r = redis.call('HGET', k, 'rank')
if not r then return 0 end
redis.call('HSET', k, 'state', 'waiting', 'operator', '')
redis.call('ZADD', ARGV[1] .. 'queue', r, ARGV[2])
return 1
`)

// Requeue puts a call whose offer failed back in its place in line.
func (s *State) Requeue(ctx context.Context, callID int64) error {
	return requeueScript.Run(ctx, s.rdb, nil, s.prefix, strconv.FormatInt(callID, 10)).Err()
}

// Dequeue forgets a call (answered or abandoned).
func (s *State) Dequeue(ctx context.Context, callID int64) error {
	id := strconv.FormatInt(callID, 10)
	pipe := s.rdb.TxPipeline()
	pipe.ZRem(ctx, s.key("queue"), id)
	pipe.Del(ctx, s.key("call", id))
	_, err := pipe.Exec(ctx)
	return err
}

// Position returns a waiting call's place in line (1 = next) and how many wait in all;
// position 0 when the call is not waiting.
func (s *State) Position(ctx context.Context, callID int64) (pos, waiting int64, err error) {
	pipe := s.rdb.Pipeline()
	r := pipe.ZRank(ctx, s.key("queue"), strconv.FormatInt(callID, 10))
	n := pipe.ZCard(ctx, s.key("queue"))
	if _, err := pipe.Exec(ctx); err != nil && err != goredis.Nil {
		return 0, 0, err
	}
	if r.Err() == nil {
		pos = r.Val() + 1
	}
	return pos, n.Val(), nil
}

// Waiting returns how many calls wait in line.
func (s *State) Waiting(ctx context.Context) (int64, error) {
	return s.rdb.ZCard(ctx, s.key("queue")).Result()
}

// Queued returns the ids of calls in line, in order.
func (s *State) Queued(ctx context.Context) ([]int64, error) {
	ids, err := s.rdb.ZRange(ctx, s.key("queue"), 0, -1).Result()
	if err != nil {
		return nil, err
	}
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		n, _ := strconv.ParseInt(id, 10, 64)
		out = append(out, n)
	}
	return out, nil
}
