package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/callflow"
	"github.com/ikomek/ikomek/internal/calls"
	"github.com/ikomek/ikomek/internal/config"
	"github.com/ikomek/ikomek/internal/operators"
	"github.com/ikomek/ikomek/internal/tickets"
)

func offeredTo(evs []calls.Event) []string {
	var out []string
	for _, e := range eventsOf(evs, "offered") {
		out = append(out, e.Detail["operator"].(string))
	}
	return out
}

// Three callers, one operator: served in arrival order, with the wrap-up between calls.
func TestCallersServedInArrivalOrderWithWrapUp(t *testing.T) {
	c := startController(t, fastCalls)
	login, pw := newOperator(t, c, "ru")
	p := startPhone(t, c, login, pw, phoneOpts{AnswerMS: 100})
	ready(t, c, p)
	callers := []string{"77012220001", "77012220002", "77012220003"}
	holds := []int{4000, 9000, 14000}
	var runs []*sippRun
	for i, n := range callers {
		runs = append(runs, dial(t, c, callerOpts{Caller: n, SpeakMS: 0, HoldMS: holds[i]}))
		time.Sleep(300 * time.Millisecond)
	}
	for _, r := range runs {
		r.wait(t, 60*time.Second)
	}
	var got []calls.Call
	for _, n := range callers {
		got = append(got, callOf(t, c, n))
	}
	for i, call := range got {
		if call.Outcome != calls.Answered || call.OperatorLogin != login || call.ConnectedAt == nil {
			t.Fatalf("caller %d: outcome %s operator %q", i+1, call.Outcome, call.OperatorLogin)
		}
		if i == 0 {
			continue
		}
		prev := got[i-1]
		if !call.ConnectedAt.After(*prev.ConnectedAt) {
			t.Errorf("caller %d connected before caller %d", i+1, i)
		}
		gap := call.ConnectedAt.Sub(*prev.EndedAt)
		t.Logf("caller %d: waited %.1f s; connected %.2f s after caller %d hung up (wrap-up %s)",
			i+1, call.ConnectedAt.Sub(*call.QueuedAt).Seconds(), gap.Seconds(), i, c.Config.WrapUp)
		if gap < c.Config.WrapUp {
			t.Errorf("caller %d offered %.2f s after the previous call, inside the %s wrap-up", i+1, gap.Seconds(), c.Config.WrapUp)
		}
	}
}

// A caller whose earlier ticket is overdue is served before callers who arrived
// earlier.
func TestOverdueCallerServedFirst(t *testing.T) {
	c := startController(t, fastCalls)
	ctx := context.Background()
	system := tickets.Actor{Role: "system", Name: "test"}
	if _, err := tickets.LoadSeed(ctx, c.DB.Catalog(), c.DB.SLA(), tickets.CitySeed(), system); err != nil {
		t.Fatal(err)
	}
	old, err := c.DB.Tickets().Create(ctx, tickets.NewTicket{Channel: tickets.Phone, ServiceCode: "water_leak",
		Caller: tickets.Caller{Number: "77013330003"}, Address: "Kenesary 40", Description: "no heating"}, system)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DB.Pool.Exec(ctx, `UPDATE tickets SET resolution_due_at = now() - interval '1 hour',
		response_due_at = now() - interval '2 hours' WHERE id = $1`, old.ID); err != nil {
		t.Fatal(err)
	}
	login, pw := newOperator(t, c, "ru")
	p := startPhone(t, c, login, pw, phoneOpts{AnswerMS: 100})
	a := dial(t, c, callerOpts{Caller: "77013330001", HoldMS: 12000})
	time.Sleep(500 * time.Millisecond)
	b := dial(t, c, callerOpts{Caller: "77013330002", HoldMS: 12000})
	time.Sleep(500 * time.Millisecond)
	e := dial(t, c, callerOpts{Caller: "77013330003", HoldMS: 6000})
	waitFor(t, 20*time.Second, "three callers in line", func() bool {
		n, _ := c.Presence.Waiting(ctx)
		return n == 3
	})
	ready(t, c, p)
	for _, r := range []*sippRun{a, b, e} {
		r.wait(t, 60*time.Second)
	}
	ca, cb, ce := callOf(t, c, "77013330001"), callOf(t, c, "77013330002"), callOf(t, c, "77013330003")
	if ce.Priority == 0 || ca.Priority != 0 {
		t.Fatalf("priorities: overdue caller %d, normal %d", ce.Priority, ca.Priority)
	}
	if ce.ConnectedAt == nil {
		t.Fatal("the caller with the overdue ticket was not served")
	}
	for _, other := range []calls.Call{ca, cb} {
		if other.ConnectedAt != nil && !other.ConnectedAt.After(*ce.ConnectedAt) {
			t.Errorf("caller %s (arrived earlier) served before the prioritised caller", other.CallerNumber)
		}
	}
	if !ce.ArrivedAt.After(cb.ArrivedAt) || !cb.ArrivedAt.After(ca.ArrivedAt) {
		t.Fatal("arrival order is not a, b, prioritised")
	}
	why := eventsOf(events(t, c, ce.ID), "prioritized")
	t.Logf("prioritised caller arrived last, connected first (%v); then %s: %s, %s: %s",
		why[0].Detail["reason"], ca.CallerNumber, ca.Outcome, cb.CallerNumber, cb.Outcome)
}

// A caller who hangs up while waiting: abandoned with the wait time; nobody is rung
// for that call afterwards.
func TestCallerAbandonsWhileWaiting(t *testing.T) {
	c := startController(t, fastCalls)
	ctx := context.Background()
	login, pw := newOperator(t, c, "ru")
	p := startPhone(t, c, login, pw, phoneOpts{AnswerMS: 100})
	dial(t, c, callerOpts{Caller: "77014440001", HoldMS: 3000}).wait(t, 30*time.Second)
	call := callOf(t, c, "77014440001")
	if call.Outcome != calls.Abandoned || call.QueuedAt == nil {
		t.Fatalf("outcome %s queued %v", call.Outcome, call.QueuedAt)
	}
	ab := eventsOf(events(t, c, call.ID), "abandoned")
	if len(ab) != 1 || ab[0].Detail["wait_seconds"].(float64) < 1 {
		t.Fatalf("abandoned event: %v", ab)
	}
	t.Logf("abandoned after %.1f s in line", ab[0].Detail["wait_seconds"])
	if ts, err := c.DB.Tickets().CallerTickets(ctx, "77014440001", 10); err != nil || len(ts) != 1 || ts[0].CallID == nil || *ts[0].CallID != call.ID {
		t.Fatalf("the abandoned call has no ticket of its own: %v %v", ts, err)
	}
	// The operator comes on duty afterwards: no call is offered.
	ready(t, c, p)
	time.Sleep(2 * time.Second)
	if live, _ := c.Presence.Live(ctx, login); live.State != operators.Available {
		t.Fatalf("operator is %s, want available with nothing offered", live.State)
	}
	if n, _ := c.Presence.Waiting(ctx); n != 0 {
		t.Fatalf("%d calls still in line", n)
	}
	if offers := offeredTo(events(t, c, call.ID)); len(offers) != 0 {
		t.Fatalf("abandoned call offered to %v", offers)
	}
}

// An operator who does not answer: the call moves on to another, the miss is recorded.
func TestUnansweredOfferMovesOn(t *testing.T) {
	c := startController(t, fastCalls)
	ctx := context.Background()
	lazy, pw1 := newOperator(t, c, "ru")
	keen, pw2 := newOperator(t, c, "ru")
	ready(t, c, startPhone(t, c, lazy, pw1, phoneOpts{NoAnswer: true}))
	time.Sleep(20 * time.Millisecond)
	ready(t, c, startPhone(t, c, keen, pw2, phoneOpts{AnswerMS: 100}))
	dial(t, c, callerOpts{Caller: "77015550001", HoldMS: 12000}).wait(t, 60*time.Second)
	call := callOf(t, c, "77015550001")
	evs := events(t, c, call.ID)
	offers := offeredTo(evs)
	if len(offers) != 2 || offers[0] != lazy || offers[1] != keen || call.OperatorLogin != keen {
		t.Fatalf("offered to %v, answered by %q; want %s then %s", offers, call.OperatorLogin, lazy, keen)
	}
	missed := eventsOf(evs, "missed")
	if len(missed) != 1 || missed[0].Detail["operator"] != lazy {
		t.Fatalf("missed events: %+v\nall events: %+v", missed, evs)
	}
	live, _ := c.Presence.Live(ctx, lazy)
	if live.Missed != 1 {
		t.Fatalf("lazy operator missed = %d", live.Missed)
	}
	var logged int
	c.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM operator_state_log l JOIN operators o ON o.id = l.operator_id
		WHERE o.login = $1 AND l.from_state = 'ringing' AND l.to_state = 'available'`, lazy).Scan(&logged)
	if logged != 1 {
		t.Fatalf("state log has %d ringing->available changes for the miss", logged)
	}
	t.Logf("rang %s for %.1f s (no answer, cause %v), then %s answered", lazy,
		missed[0].At.Sub(eventsOf(evs, "offered")[0].At).Seconds(), missed[0].Detail["cause"], keen)
}

// Unregistered and paused operators are never rung; a Kazakh-speaking caller goes to a
// Kazakh-speaking operator even when a Russian-only one has waited longer.
func TestMatchingOnlyRingsWhoCanAnswer(t *testing.T) {
	c := startController(t, func(cfg *config.Config) { fastCalls(cfg); cfg.LanguageMenu = true })
	ctx := context.Background()
	paused, pwP := newOperator(t, c, "ru", "kk")
	unreg, _ := newOperator(t, c, "ru", "kk")
	ruOnly, pwR := newOperator(t, c, "ru")
	kk, pwK := newOperator(t, c, "kk", "ru")
	ready(t, c, startPhone(t, c, paused, pwP, phoneOpts{AnswerMS: 100}))
	if err := c.Presence.Pause(ctx, paused, "break"); err != nil {
		t.Fatal(err)
	}
	if err := c.Presence.Login(ctx, unreg); err != nil { // logged in, softphone never registered
		t.Fatal(err)
	}
	ready(t, c, startPhone(t, c, ruOnly, pwR, phoneOpts{AnswerMS: 100}))
	time.Sleep(20 * time.Millisecond)
	ready(t, c, startPhone(t, c, kk, pwK, phoneOpts{AnswerMS: 100}))

	kkCaller := dial(t, c, callerOpts{Caller: "77016660001", Digits: []string{"2"}, HoldMS: 8000})
	time.Sleep(3 * time.Second)
	ruCaller := dial(t, c, callerOpts{Caller: "77016660002", Digits: []string{"1"}, HoldMS: 6000})
	kkCaller.wait(t, 60*time.Second)
	ruCaller.wait(t, 60*time.Second)
	kc, rc := callOf(t, c, "77016660001"), callOf(t, c, "77016660002")
	if kc.Language != "kk" || kc.OperatorLogin != kk {
		t.Errorf("Kazakh caller: language %q, operator %q, want %s", kc.Language, kc.OperatorLogin, kk)
	}
	if rc.Language != "ru" || rc.OperatorLogin != ruOnly {
		t.Errorf("Russian caller: language %q, operator %q, want %s", rc.Language, rc.OperatorLogin, ruOnly)
	}
	for _, call := range []calls.Call{kc, rc} {
		for _, o := range offeredTo(events(t, c, call.ID)) {
			if o == paused || o == unreg {
				t.Errorf("call %d offered to %s", call.ID, o)
			}
		}
	}
}

// A caller who presses 9 in the menu (emergency) is served before callers who
// arrived earlier and chose a language.
func TestEmergencyKeyGoesFirst(t *testing.T) {
	c := startController(t, func(cfg *config.Config) { fastCalls(cfg); cfg.LanguageMenu = true })
	ctx := context.Background()
	login, pw := newOperator(t, c, "ru", "kk")
	p := startPhone(t, c, login, pw, phoneOpts{AnswerMS: 100})
	// One caller at a time through the menu, so each one's keys are alone on the line.
	inLine := func(n int) {
		waitFor(t, 20*time.Second, fmt.Sprintf("%d callers in line", n), func() bool {
			w, _ := c.Presence.Waiting(ctx)
			return w == int64(n)
		})
	}
	// Hold times from each answer: long enough for the two earlier callers to be served
	// after the emergency, one after the other.
	a := dial(t, c, callerOpts{Caller: "77017770001", Digits: []string{"1"}, HoldMS: 20000})
	inLine(1)
	b := dial(t, c, callerOpts{Caller: "77017770002", Digits: []string{"2"}, HoldMS: 32000})
	inLine(2)
	e := dial(t, c, callerOpts{Caller: "77017770009", Digits: []string{"9"}, HoldMS: 6000})
	inLine(3)
	ready(t, c, p)
	for _, r := range []*sippRun{a, b, e} {
		r.wait(t, 60*time.Second)
	}
	ca, cb, ce := callOf(t, c, "77017770001"), callOf(t, c, "77017770002"), callOf(t, c, "77017770009")
	if emergency := callflow.DefaultSettings().Emergency; ce.Priority != emergency || ca.Priority != 0 || cb.Priority != 0 {
		t.Fatalf("priorities: emergency caller %d (want %d), others %d and %d", ce.Priority, emergency,
			ca.Priority, cb.Priority)
	}
	if ce.ConnectedAt == nil {
		t.Fatal("the emergency caller was not served")
	}
	for _, other := range []calls.Call{ca, cb} {
		if other.ConnectedAt == nil {
			t.Fatalf("caller %s was not served after the emergency: %s", other.CallerNumber, other.Outcome)
		}
		if !other.ConnectedAt.After(*ce.ConnectedAt) {
			t.Errorf("caller %s (arrived earlier) served before the emergency", other.CallerNumber)
		}
	}
	if !cb.ConnectedAt.After(*ca.ConnectedAt) {
		t.Errorf("of the two callers of equal priority the later one was served first")
	}
	if cb.Language != "kk" || ca.Language != "ru" {
		t.Errorf("languages: %s and %s, want ru and kk", ca.Language, cb.Language)
	}
	t.Logf("emergency caller arrived last, connected first after %.1f s in line; then %s: %s, %s: %s",
		ce.ConnectedAt.Sub(*ce.QueuedAt).Seconds(), ca.CallerNumber, ca.Outcome, cb.CallerNumber, cb.Outcome)
}
