package redis_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/operators"
	"github.com/ikomek/ikomek/internal/redis"
	"github.com/ikomek/ikomek/internal/testenv"
)

const ast = "ast-1"

type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }

type fixture struct {
	p       *redis.Presence
	clk     *clock
	mu      sync.Mutex
	changes []operators.StateChange
}

func newFixture(t *testing.T, ops ...operators.Operator) *fixture {
	t.Helper()
	rdb, prefix := testenv.Redis(t)
	f := &fixture{clk: &clock{time.Date(2026, 1, 15, 7, 0, 0, 0, time.UTC)}}
	s := redis.New(rdb, prefix)
	s.Now = f.clk.now
	f.p = redis.NewPresence(s, 2, func(c operators.StateChange) {
		f.mu.Lock()
		f.changes = append(f.changes, c)
		f.mu.Unlock()
	})
	if err := f.p.Sync(context.Background(), ops); err != nil {
		t.Fatal(err)
	}
	return f
}

func op(login string, langs ...string) operators.Operator {
	return operators.Operator{Login: login, Languages: langs, Lines: []string{"109"}, Active: true}
}

// ready logs in and registers operators, one millisecond apart (idle order).
func (f *fixture) ready(t *testing.T, logins ...string) {
	t.Helper()
	ctx := context.Background()
	for _, l := range logins {
		f.clk.add(time.Millisecond)
		if _, err := f.p.SetRegistered(ctx, l, true, ast); err != nil {
			t.Fatal(err)
		}
		if err := f.p.Login(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *fixture) enqueue(t *testing.T, id int64, lang string, prio int) {
	t.Helper()
	f.clk.add(time.Second)
	if err := f.p.Enqueue(context.Background(), redis.QueuedCall{ID: id, AsteriskID: ast, Language: lang, Line: "109",
		Priority: prio, ArrivedAt: f.clk.now()}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) claim(t *testing.T) (int64, string) {
	t.Helper()
	id, login, ok, err := f.p.ClaimNext(context.Background(), ast)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return 0, ""
	}
	return id, login
}

func TestQueueOrder(t *testing.T) {
	f := newFixture(t, op("a", "ru"))
	f.enqueue(t, 1, "ru", 0)
	f.enqueue(t, 2, "ru", 0)
	f.enqueue(t, 3, "ru", 5) // later, but an emergency
	f.enqueue(t, 4, "ru", 0)
	if id, _ := f.claim(t); id != 0 {
		t.Fatal("claimed with no operator logged in")
	}
	ctx := context.Background()
	if pos, n, _ := f.p.Position(ctx, 2); pos != 3 || n != 4 {
		t.Fatalf("position of call 2 = %d of %d, want 3 of 4", pos, n)
	}
	f.ready(t, "a")
	var order []int64
	for i := 0; i < 4; i++ {
		id, login := f.claim(t)
		if login != "a" {
			t.Fatalf("claim %d: operator %q", i, login)
		}
		order = append(order, id)
		if err := f.p.Answered(ctx, "a", id); err != nil {
			t.Fatal(err)
		}
		if err := f.p.Dequeue(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := f.p.CallEnded(ctx, "a", id, f.clk.now().Add(10*time.Second)); err != nil {
			t.Fatal(err)
		}
		if id, _ := f.claim(t); id != 0 {
			t.Fatal("operator offered a call during wrap-up")
		}
		f.clk.add(10 * time.Second)
		if done, err := f.p.WrapUpsDue(ctx); err != nil || len(done) != 1 {
			t.Fatalf("wrap-ups due = %v, %v", done, err)
		}
	}
	if want := []int64{3, 1, 2, 4}; !equal(order, want) {
		t.Fatalf("served %v, want %v", order, want)
	}
}

func TestMatching(t *testing.T) {
	ctx := context.Background()
	t.Run("language", func(t *testing.T) {
		f := newFixture(t, op("ru1", "ru"), op("kk1", "kk", "ru"))
		f.ready(t, "ru1", "kk1")
		f.enqueue(t, 1, "kk", 0)
		if id, login := f.claim(t); id != 1 || login != "kk1" {
			t.Fatalf("kk call went to %q", login)
		}
	})
	t.Run("a Kazakh call waiting does not hold up a Russian one", func(t *testing.T) {
		f := newFixture(t, op("ru1", "ru"))
		f.ready(t, "ru1")
		f.enqueue(t, 1, "kk", 0)
		f.enqueue(t, 2, "ru", 0)
		if id, _ := f.claim(t); id != 2 {
			t.Fatalf("claimed %d, want 2", id)
		}
	})
	t.Run("longest idle first", func(t *testing.T) {
		f := newFixture(t, op("x", "ru"), op("y", "ru"), op("z", "ru"))
		f.ready(t, "y", "z", "x")
		f.enqueue(t, 1, "ru", 0)
		if _, login := f.claim(t); login != "y" {
			t.Fatalf("got %q, want the longest idle y", login)
		}
	})
	t.Run("unregistered, paused, logged out and disabled operators are never offered a call", func(t *testing.T) {
		f := newFixture(t, op("unreg", "ru"), op("paused", "ru"), op("out", "ru"), op("off", "ru"))
		f.p.Login(ctx, "unreg") // logged in, softphone not registered
		f.ready(t, "paused", "off")
		f.p.SetRegistered(ctx, "out", true, ast)
		if err := f.p.Pause(ctx, "paused", "break"); err != nil {
			t.Fatal(err)
		}
		disabled := op("off", "ru")
		disabled.Active = false
		f.p.Sync(ctx, []operators.Operator{disabled})
		f.enqueue(t, 1, "ru", 0)
		if id, login := f.claim(t); id != 0 {
			t.Fatalf("call %d offered to %q", id, login)
		}
		if err := f.p.Resume(ctx, "paused"); err != nil {
			t.Fatal(err)
		}
		if _, login := f.claim(t); login != "paused" {
			t.Fatalf("after resume got %q", login)
		}
	})
	t.Run("operators registered on another Asterisk are not offered its calls", func(t *testing.T) {
		f := newFixture(t, op("a", "ru"))
		f.p.SetRegistered(ctx, "a", true, "ast-2")
		f.p.Login(ctx, "a")
		f.enqueue(t, 1, "ru", 0)
		if id, _ := f.claim(t); id != 0 {
			t.Fatal("claimed across Asterisk servers")
		}
	})
}

func TestMissesPauseAndRequeueKeepsPlace(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, op("a", "ru"), op("b", "ru"))
	f.ready(t, "a", "b")
	f.enqueue(t, 1, "ru", 0)
	f.enqueue(t, 2, "ru", 0)
	id, login := f.claim(t)
	if id != 1 || login != "a" {
		t.Fatalf("claim = %d %s", id, login)
	}
	st, err := f.p.Missed(ctx, "a", 1)
	if err != nil || st != operators.Available {
		t.Fatalf("first miss: %s %v", st, err)
	}
	if err := f.p.Requeue(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// Call 1 keeps its place ahead of call 2; b is now the longest idle.
	if id, login := f.claim(t); id != 1 || login != "b" {
		t.Fatalf("after requeue: %d %s", id, login)
	}
	if id, login := f.claim(t); id != 2 || login != "a" {
		t.Fatalf("second call: %d %s", id, login)
	}
	st, _ = f.p.Missed(ctx, "a", 2)
	if st != operators.Paused {
		t.Fatalf("after two misses a is %s, want paused", st)
	}
	live, _ := f.p.Live(ctx, "a")
	if live.Reason != operators.ReasonMissedCalls || live.Missed != 2 {
		t.Fatalf("live = %+v", live)
	}
	last := f.changes[len(f.changes)-1]
	if last.To != operators.Paused || last.Reason != operators.ReasonMissedCalls {
		t.Fatalf("recorded %+v", last)
	}
	// A caller leaving during ringing is no miss.
	f.p.Requeue(ctx, 2)
	f.p.Resume(ctx, "a")
	f.p.Answered(ctx, "b", 1)
	id, login = f.claim(t)
	if err := f.p.Released(ctx, login, id); err != nil {
		t.Fatal(err)
	}
	if live, _ := f.p.Live(ctx, login); live.State != operators.Available || live.Missed != 2 {
		t.Fatalf("after release: %+v", live)
	}
}

func TestPauseDuringCallAppliesAfterWrapUp(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, op("a", "ru"))
	f.ready(t, "a")
	f.enqueue(t, 1, "ru", 0)
	f.claim(t)
	f.p.Answered(ctx, "a", 1)
	if err := f.p.Logout(ctx, "a"); apperr.Code(err) != apperr.Conflict {
		t.Fatalf("logout during a call: %v", err)
	}
	if err := f.p.Pause(ctx, "a", "lunch"); err != nil {
		t.Fatal(err)
	}
	if live, _ := f.p.Live(ctx, "a"); live.State != operators.OnCall {
		t.Fatalf("pause interrupted the call: %+v", live)
	}
	f.p.CallEnded(ctx, "a", 1, f.clk.now().Add(5*time.Second))
	f.clk.add(5 * time.Second)
	f.p.WrapUpsDue(ctx)
	if live, _ := f.p.Live(ctx, "a"); live.State != operators.Paused || live.Reason != "lunch" {
		t.Fatalf("after wrap-up: %+v", live)
	}
}

// Several controllers claiming at once: each call rings one operator, each operator
// gets one call.
func TestConcurrentClaims(t *testing.T) {
	var ops []operators.Operator
	var logins []string
	for i := 0; i < 20; i++ {
		l := "op" + string(rune('a'+i))
		ops = append(ops, op(l, "ru"))
		logins = append(logins, l)
	}
	f := newFixture(t, ops...)
	f.ready(t, logins...)
	for i := int64(1); i <= 50; i++ {
		f.enqueue(t, i, "ru", 0)
	}
	var mu sync.Mutex
	byCall := map[int64]string{}
	byOp := map[string]int64{}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				id, login, ok, err := f.p.Claim(context.Background(), ast)
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					return
				}
				mu.Lock()
				if prev, dup := byCall[id]; dup {
					t.Errorf("call %d rang %s and %s", id, prev, login)
				}
				if prev, dup := byOp[login]; dup {
					t.Errorf("operator %s got calls %d and %d", login, prev, id)
				}
				byCall[id], byOp[login] = login, id
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(byCall) != 20 {
		t.Fatalf("%d claims, want 20 (one per operator)", len(byCall))
	}
	for id := int64(1); id <= 20; id++ {
		if _, ok := byCall[id]; !ok {
			t.Errorf("call %d (among the first 20 in line) was not claimed", id)
		}
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Live state lost (Redis emptied): operators come back as their state log last saw
// them; operators still present keep their state; disabled ones stay logged out.
func TestSyncRestoresLostOperators(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, op("kept", "ru"))
	f.ready(t, "kept")
	ops := []operators.Operator{op("kept", "ru"), op("talking", "ru"), op("resting", "ru"), op("gone", "ru"), op("new", "ru")}
	disabled := op("disabled", "ru")
	disabled.Active = false
	ops = append(ops, disabled)
	last := map[string]operators.LastState{
		"kept":     {State: operators.Offline},
		"talking":  {State: operators.OnCall},
		"resting":  {State: operators.Paused, Reason: "break"},
		"gone":     {State: operators.Offline, Reason: "logout"},
		"disabled": {State: operators.Available},
	}
	if added, err := f.p.SyncRestoring(ctx, ops, last); err != nil || added != 5 {
		t.Fatalf("SyncRestoring = %d, %v; want 5 added", added, err)
	}
	for login, want := range map[string]operators.State{"kept": operators.Available, "talking": operators.Available,
		"resting": operators.Paused, "gone": operators.Offline, "new": operators.Offline, "disabled": operators.Offline} {
		live, err := f.p.Live(ctx, login)
		if err != nil || live.State != want {
			t.Errorf("%s: %+v, %v; want %s", login, live, err, want)
		}
	}
	if live, _ := f.p.Live(ctx, "resting"); live.Reason != "break" {
		t.Errorf("resting: reason %q, want break", live.Reason)
	}
	// A restored operator takes calls once the softphone's registration is read again.
	if _, err := f.p.SetRegistered(ctx, "talking", true, ast); err != nil {
		t.Fatal(err)
	}
	f.enqueue(t, 7, "ru", 0)
	if id, login := f.claim(t); id != 7 || (login != "talking" && login != "kept") {
		t.Fatalf("claim = %d %q", id, login)
	}
}
