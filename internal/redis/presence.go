package redis

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/operators"
)

// Operator hash "op:LOGIN": state, reason, since (ms), call, registered ("1"), reg_ast
// (the Asterisk the softphone is registered with), langs and lines (",ru,kk,"), active,
// missed (consecutive unanswered offers), handled, pending (pause reason to apply after
// the call), wrap_until (ms). Set "ops": every known login. Sorted set "avail":
// operators that may be offered a call now, by strategy score. Sorted set "wrapups":
// operators in wrap-up by end time.

// prelude is shared by the scripts: place() keeps "avail" in line with an operator's
// hash, so membership always means available, registered and active.
const prelude = `
local P = ARGV[1]
local function place(login, score)
  local k = P .. 'op:' .. login
  local f = redis.call('HMGET', k, 'state', 'registered', 'active')
  if f[1] == 'available' and f[2] == '1' and f[3] == '1' then
    if score then redis.call('ZADD', P .. 'avail', score, login)
    elseif not redis.call('ZSCORE', P .. 'avail', login) then redis.call('ZADD', P .. 'avail', ARGV[3], login) end
  else
    redis.call('ZREM', P .. 'avail', login)
  end
end
local function allowed(set, st) return set == '*' or string.find(set, ',' .. st .. ',', 1, true) ~= nil end
`

// transitionScript moves an operator between states.
// ARGV: prefix, login, score-if-available, now-ms, from-set, to, reason, call, mode.
// Modes: "" plain; "missed" counts a miss and pauses after ARGV[10] misses; "ended"
// starts wrap-up until ARGV[10] ms; "answered" resets the miss count; "pause" defers the
// pause until the call ends when the operator is busy.
// Returns {old state, new state}, or {"conflict", state} / {"unknown", ""}.
var transitionScript = goredis.NewScript(prelude + `
local login, now, from, to, reason, call, mode = ARGV[2], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local k = P .. 'op:' .. login
if redis.call('EXISTS', k) == 0 then return {'unknown', ''} end
local st = redis.call('HGET', k, 'state')
if mode == 'pause' and (st == 'ringing' or st == 'on_call') then
  redis.call('HSET', k, 'pending', reason)
  return {st, st}
end
if not allowed(from, st) then return {'conflict', st} end
if call ~= '' and (st == 'ringing' or st == 'on_call') and redis.call('HGET', k, 'call') ~= call then
  return {'conflict', st}
end
if mode == 'missed' then
  local missed = redis.call('HINCRBY', k, 'missed', 1)
  if missed >= tonumber(ARGV[10]) then to = 'paused'; reason = 'missed_calls' end
elseif mode == 'answered' then
  redis.call('HSET', k, 'missed', 0)
end
if to == 'available' then
  local pending = redis.call('HGET', k, 'pending')
  if pending and pending ~= '' then to = 'paused'; reason = pending end
end
if to ~= 'ringing' and to ~= 'on_call' and to ~= 'wrap_up' then call = '' end
if mode == 'ended' then call = redis.call('HGET', k, 'call') or '' end
redis.call('HSET', k, 'state', to, 'reason', reason, 'since', now, 'call', call)
if to == 'paused' or to == 'offline' or to == 'available' then redis.call('HSET', k, 'pending', '') end
if to == 'wrap_up' then
  redis.call('HSET', k, 'wrap_until', ARGV[10])
  redis.call('HINCRBY', k, 'handled', 1)
  redis.call('ZADD', P .. 'wrapups', ARGV[10], login)
else
  redis.call('ZREM', P .. 'wrapups', login)
end
if to == 'available' then place(login, ARGV[3]) else place(login, nil) end
return {st, to}
`)

// registerScript records a softphone's registration. ARGV: prefix, login, score, registered, asterisk.
var registerScript = goredis.NewScript(prelude + `
local k = P .. 'op:' .. ARGV[2]
if redis.call('EXISTS', k) == 0 then return 0 end
redis.call('HSET', k, 'registered', ARGV[4], 'reg_ast', ARGV[5])
place(ARGV[2], nil)
return 1
`)

// syncScript creates or refreshes an operator from the system of record.
// ARGV: prefix, login, score, now, langs, lines, active, state and reason for a new
// entry. It returns 2 when it created the entry, else 1.
var syncScript = goredis.NewScript(prelude + `
local login = ARGV[2]
local k = P .. 'op:' .. login
local created = 1
if redis.call('EXISTS', k) == 0 then
  created = 2
  redis.call('HSET', k, 'state', ARGV[8], 'since', ARGV[4], 'registered', '0', 'missed', 0, 'handled', 0)
  if ARGV[9] ~= '' then redis.call('HSET', k, 'reason', ARGV[9]) end
  redis.call('SADD', P .. 'ops', login)
end
redis.call('HSET', k, 'langs', ARGV[5], 'lines', ARGV[6], 'active', ARGV[7])
if ARGV[7] ~= '1' then
  local st = redis.call('HGET', k, 'state')
  if st ~= 'ringing' and st ~= 'on_call' then redis.call('HSET', k, 'state', 'offline', 'since', ARGV[4]) end
end
place(login, nil)
return created
`)

// Presence implements operators.Presence on the live state.
type Presence struct {
	*State
	// MaxMissed is how many unanswered offers in a row pause an operator.
	MaxMissed int
	// Record receives every state change, for the history in PostgreSQL.
	Record func(operators.StateChange)
}

var _ operators.Presence = (*Presence)(nil)

// NewPresence returns presence on s.
func NewPresence(s *State, maxMissed int, record func(operators.StateChange)) *Presence {
	if record == nil {
		record = func(operators.StateChange) {}
	}
	return &Presence{State: s, MaxMissed: maxMissed, Record: record}
}

// transition runs transitionScript and records the change.
func (p *Presence) transition(ctx context.Context, login string, from []operators.State, to operators.State,
	reason string, callID int64, mode, extra string) (operators.State, error) {
	now := p.Now()
	set := "*"
	if from != nil {
		parts := make([]string, len(from))
		for i, s := range from {
			parts[i] = string(s)
		}
		set = csv(parts)
	}
	call := ""
	if callID != 0 {
		call = strconv.FormatInt(callID, 10)
	}
	handled, _ := p.rdb.HGet(ctx, p.key("op", login), "handled").Int64()
	res, err := transitionScript.Run(ctx, p.rdb, nil, p.prefix, login,
		strconv.FormatFloat(p.Score(login, now, handled), 'f', -1, 64), ms(now), set, string(to), reason, call, mode, extra).StringSlice()
	if err != nil {
		return "", fmt.Errorf("presence %s -> %s: %w", login, to, err)
	}
	switch res[0] {
	case "unknown":
		return "", apperr.Errorf(apperr.NotFound, "operator %q is not known to presence", login)
	case "conflict":
		return operators.State(res[1]), apperr.Errorf(apperr.Conflict, "operator %s is %s", login, res[1])
	}
	old, nw := operators.State(res[0]), operators.State(res[1])
	if old != nw {
		r := reason
		if nw == operators.Paused && mode == "missed" {
			r = operators.ReasonMissedCalls
		}
		p.Record(operators.StateChange{Login: login, At: now, From: old, To: nw, Reason: r, CallID: callID})
	}
	return nw, nil
}

func (p *Presence) Login(ctx context.Context, login string) error {
	_, err := p.transition(ctx, login, []operators.State{operators.Offline}, operators.Available, "login", 0, "", "")
	return err
}

func (p *Presence) Logout(ctx context.Context, login string) error {
	_, err := p.transition(ctx, login, []operators.State{operators.Available, operators.Paused, operators.WrapUp},
		operators.Offline, "logout", 0, "", "")
	return err
}

func (p *Presence) Pause(ctx context.Context, login, reason string) error {
	if reason == "" {
		return apperr.Errorf(apperr.Invalid, "a pause needs a reason")
	}
	_, err := p.transition(ctx, login, []operators.State{operators.Available, operators.WrapUp, operators.Paused},
		operators.Paused, reason, 0, "pause", "")
	return err
}

func (p *Presence) Resume(ctx context.Context, login string) error {
	_, err := p.transition(ctx, login, []operators.State{operators.Paused}, operators.Available, "resume", 0, "", "")
	return err
}

// Answered: the operator picked up the offered call.
func (p *Presence) Answered(ctx context.Context, login string, callID int64) error {
	_, err := p.transition(ctx, login, []operators.State{operators.Ringing}, operators.OnCall, "", callID, "answered", "")
	return err
}

// Missed: the offer was not answered (timeout, busy, rejected, unreachable). After
// MaxMissed misses in a row the operator is paused with reason missed_calls. Returns
// the new state.
func (p *Presence) Missed(ctx context.Context, login string, callID int64) (operators.State, error) {
	return p.transition(ctx, login, []operators.State{operators.Ringing}, operators.Available, "missed", callID,
		"missed", strconv.Itoa(p.MaxMissed))
}

// Released: the offer was withdrawn through no fault of the operator (the caller hung
// up while it rang).
func (p *Presence) Released(ctx context.Context, login string, callID int64) error {
	_, err := p.transition(ctx, login, []operators.State{operators.Ringing}, operators.Available, "caller_left", callID, "", "")
	return err
}

// CallEnded starts the operator's wrap-up, which lasts until until.
func (p *Presence) CallEnded(ctx context.Context, login string, callID int64, until time.Time) error {
	_, err := p.transition(ctx, login, []operators.State{operators.OnCall, operators.Ringing}, operators.WrapUp, "", callID,
		"ended", ms(until))
	return err
}

// WrapUpsDue ends the wrap-ups due by now and returns the operators made available or
// paused (a pause asked for during the call).
func (p *Presence) WrapUpsDue(ctx context.Context) ([]string, error) {
	logins, err := p.rdb.ZRangeByScore(ctx, p.key("wrapups"), &goredis.ZRangeBy{Min: "-inf", Max: ms(p.Now())}).Result()
	if err != nil {
		return nil, err
	}
	var done []string
	for _, l := range logins {
		if _, err := p.transition(ctx, l, []operators.State{operators.WrapUp}, operators.Available, "wrap_up_done", 0, "", ""); err == nil {
			done = append(done, l)
		} else if apperr.Code(err) != apperr.Conflict {
			return done, err
		} else {
			p.rdb.ZRem(ctx, p.key("wrapups"), l)
		}
	}
	return done, nil
}

// NextWrapUpEnd returns when the earliest wrap-up ends, zero when none.
func (p *Presence) NextWrapUpEnd(ctx context.Context) (time.Time, error) {
	zs, err := p.rdb.ZRangeWithScores(ctx, p.key("wrapups"), 0, 0).Result()
	if err != nil || len(zs) == 0 {
		return time.Time{}, err
	}
	return time.UnixMilli(int64(zs[0].Score)), nil
}

// SetRegistered records whether an operator's softphone is registered, and with which
// Asterisk. Unknown logins (the trunk, other endpoints) are ignored; it reports whether
// the login was known.
func (p *Presence) SetRegistered(ctx context.Context, login string, registered bool, asteriskID string) (bool, error) {
	reg := "0"
	if registered {
		reg = "1"
	}
	n, err := registerScript.Run(ctx, p.rdb, nil, p.prefix, login, ms(p.Now()), reg, asteriskID).Int()
	return n == 1, err
}

// Sync brings presence in line with the operators' records: new operators appear
// logged out, languages and lines follow the record, disabled ones are logged out.
func (p *Presence) Sync(ctx context.Context, ops []operators.Operator) error {
	_, err := p.SyncRestoring(ctx, ops, nil)
	return err
}

// SyncRestoring is Sync for live state that may have been lost: an active operator
// missing from it comes back as their last logged state says, logged in (available)
// or paused with its reason, instead of logged out. A call or wrap-up in progress is
// not restored: the operator comes back available, and an adopted conversation ends
// as usual. It returns how many operators it added to the live state.
func (p *Presence) SyncRestoring(ctx context.Context, ops []operators.Operator, last map[string]operators.LastState) (added int, err error) {
	now := ms(p.Now())
	for _, o := range ops {
		lines := o.Lines
		if len(lines) == 0 {
			lines = []string{"109"}
		}
		active := "0"
		if o.Active {
			active = "1"
		}
		state, reason := restoredState(o.Active, last[o.Login])
		n, err := syncScript.Run(ctx, p.rdb, nil, p.prefix, o.Login, now, now, csv(o.Languages), csv(lines), active,
			string(state), reason).Int()
		if err != nil {
			return added, fmt.Errorf("presence sync %s: %w", o.Login, err)
		}
		if n == 2 {
			added++
		}
	}
	return added, nil
}

// restoredState is the state an operator missing from the live state starts in.
func restoredState(active bool, last operators.LastState) (operators.State, string) {
	if !active {
		return operators.Offline, ""
	}
	switch last.State {
	case operators.Available, operators.Ringing, operators.OnCall, operators.WrapUp:
		return operators.Available, ""
	case operators.Paused:
		return operators.Paused, last.Reason
	}
	return operators.Offline, ""
}

func (p *Presence) Live(ctx context.Context, login string) (operators.Live, error) {
	m, err := p.rdb.HGetAll(ctx, p.key("op", login)).Result()
	if err != nil {
		return operators.Live{}, err
	}
	if len(m) == 0 {
		return operators.Live{}, apperr.Errorf(apperr.NotFound, "operator %q is not known to presence", login)
	}
	return liveOf(login, m), nil
}

func liveOf(login string, m map[string]string) operators.Live {
	call, _ := strconv.ParseInt(m["call"], 10, 64)
	missed, _ := strconv.Atoi(m["missed"])
	return operators.Live{Login: login, State: operators.State(m["state"]), Reason: m["reason"],
		Since: fromMS(m["since"]), Registered: m["registered"] == "1", CallID: call, Missed: missed}
}

func (p *Presence) LiveAll(ctx context.Context) ([]operators.Live, error) {
	logins, err := p.rdb.SMembers(ctx, p.key("ops")).Result()
	if err != nil {
		return nil, err
	}
	pipe := p.rdb.Pipeline()
	cmds := make([]*goredis.MapStringStringCmd, len(logins))
	for i, l := range logins {
		cmds[i] = pipe.HGetAll(ctx, p.key("op", l))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, err
	}
	out := make([]operators.Live, 0, len(logins))
	for i, l := range logins {
		if m := cmds[i].Val(); len(m) > 0 {
			out = append(out, liveOf(l, m))
		}
	}
	slices.SortFunc(out, func(a, b operators.Live) int { return strings.Compare(a.Login, b.Login) })
	return out, nil
}

// ClaimNext pairs the next waiting call of asteriskID with an operator (see
// State.Claim) and records the operator's change to ringing.
func (p *Presence) ClaimNext(ctx context.Context, asteriskID string) (callID int64, login string, ok bool, err error) {
	callID, login, ok, err = p.Claim(ctx, asteriskID)
	if ok {
		p.Record(operators.StateChange{Login: login, At: p.Now(), From: operators.Available, To: operators.Ringing, CallID: callID})
	}
	return callID, login, ok, err
}
