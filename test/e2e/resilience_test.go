package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/calls"
	"github.com/ikomek/ikomek/internal/config"
	"github.com/ikomek/ikomek/internal/operators"
)

// The caller hangs up while an operator's phone rings: the ringing stops at once and
// the operator, who missed nothing, is free again.
func TestCallerLeavesWhileOperatorRings(t *testing.T) {
	c := startController(t, func(cfg *config.Config) { fastCalls(cfg); cfg.RingTimeout = 20 * time.Second })
	ctx := context.Background()
	login, pw := newOperator(t, c, "ru")
	ready(t, c, startPhone(t, c, login, pw, phoneOpts{NoAnswer: true}))
	dial(t, c, callerOpts{Caller: "77017770001", HoldMS: 4000}).wait(t, 30*time.Second)
	call := callOf(t, c, "77017770001")
	evs := events(t, c, call.ID)
	if call.Outcome != calls.Abandoned || len(offeredTo(evs)) != 1 || len(eventsOf(evs, "missed")) != 0 {
		t.Fatalf("outcome %s, offers %v, events %+v", call.Outcome, offeredTo(evs), evs)
	}
	var live operators.Live
	waitFor(t, 3*time.Second, "the operator free again", func() bool {
		live, _ = c.Presence.Live(ctx, login)
		return live.State == operators.Available
	})
	if live.Missed != 0 {
		t.Fatalf("operator charged with a miss: %+v", live)
	}
	// Ringing stopped with the caller: the operator's channel is gone.
	chans, err := c.ARI.Channels().List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range chans {
		if ch.Caller.Number == login || ch.Name != "" && len(ch.Name) > 6 && ch.Name[6:6+len(login)] == login {
			t.Fatalf("operator channel %s still up", ch.Name)
		}
	}
	offered := eventsOf(evs, "offered")[0].At
	t.Logf("caller left %.1f s into the ringing; call ended %.0f ms later", call.EndedAt.Sub(offered).Seconds(),
		float64(call.EndedAt.Sub(offered).Milliseconds())-call.EndedAt.Sub(offered).Seconds()*1000)
}

// While waiting, the caller hears their place in line.
func TestWaitingCallerHearsPosition(t *testing.T) {
	c := startController(t, func(cfg *config.Config) { fastCalls(cfg); cfg.AnnounceEvery = 10 * time.Second })
	dial(t, c, callerOpts{Caller: "77018880001", HoldMS: 14000}).wait(t, 30*time.Second)
	call := callOf(t, c, "77018880001")
	ann := eventsOf(events(t, c, call.ID), "announced")
	if len(ann) != 1 || ann[0].Detail["position"].(float64) != 1 {
		t.Fatalf("announcements: %+v", ann)
	}
	t.Logf("announced position %v, about %v min", ann[0].Detail["position"], ann[0].Detail["minutes"])
}

// A controller restart while a caller waits: the caller keeps waiting in line and is
// served by the new controller; the call keeps one record and one ticket.
func TestRestartKeepsWaitingCaller(t *testing.T) {
	c := startController(t, fastCalls)
	ctx := context.Background()
	login, pw := newOperator(t, c, "ru")
	p := startPhone(t, c, login, pw, phoneOpts{AnswerMS: 100})
	caller := dial(t, c, callerOpts{Caller: "77019990001", HoldMS: 12000})
	waitFor(t, 15*time.Second, "the caller in line", func() bool {
		n, _ := c.Presence.Waiting(ctx)
		return n == 1
	})
	c = c.restart(t)
	t.Log("controller restarted")
	ready(t, c, p)
	caller.wait(t, 60*time.Second)
	call := callOf(t, c, "77019990001")
	if call.Outcome != calls.Answered || call.OperatorLogin != login {
		t.Fatalf("after the restart: outcome %s operator %q", call.Outcome, call.OperatorLogin)
	}
	oneRecordAndTicket(t, c, "77019990001")
	t.Logf("call %d waited through the restart and was answered by %s", call.ID, login)
}

// A controller restart during a conversation: the conversation goes on, stays recorded
// to the end, and the new controller closes the call, stores the recording and gives
// the operator their wrap-up.
func TestRestartDuringConversation(t *testing.T) {
	c := startController(t, fastCalls)
	ctx := context.Background()
	login, pw := newOperator(t, c, "ru")
	ready(t, c, startPhone(t, c, login, pw, phoneOpts{AnswerMS: 100, SpeakMS: 5000}))
	caller := dial(t, c, callerOpts{Caller: "77019990002", SpeakMS: 1000, HoldMS: 12000})
	waitFor(t, 15*time.Second, "the conversation", func() bool {
		live, _ := c.Presence.Live(ctx, login)
		return live.State == operators.OnCall
	})
	time.Sleep(time.Second)
	c = c.restart(t)
	t.Log("controller restarted mid-conversation")
	caller.wait(t, 60*time.Second)
	call := callOf(t, c, "77019990002")
	if call.Outcome != calls.Answered || call.OperatorLogin != login {
		t.Fatalf("outcome %s operator %q", call.Outcome, call.OperatorLogin)
	}
	if len(eventsOf(events(t, c, call.ID), "adopted")) != 1 {
		t.Fatalf("the conversation was not adopted: %+v", events(t, c, call.ID))
	}
	var dur float64
	waitFor(t, 30*time.Second, "the recording stored", func() bool {
		rs, err := c.DB.Recordings().ByCall(ctx, call.ID)
		if err != nil || len(rs) != 1 || rs[0].State != "stored" {
			return false
		}
		dur = rs[0].Duration
		return true
	})
	talk := call.EndedAt.Sub(*call.ConnectedAt).Seconds()
	if dur < talk-1 {
		t.Fatalf("recording %.1f s for a %.1f s conversation", dur, talk)
	}
	waitFor(t, 10*time.Second, "the operator's wrap-up to end", func() bool {
		live, _ := c.Presence.Live(ctx, login)
		return live.State == operators.Available
	})
	t.Logf("conversation of %.1f s survived the restart; recording %.1f s", talk, dur)
}

// Redis loses its data while a caller waits and the controller restarts: live state
// is rebuilt from Asterisk (the waiting channel, the registered softphone) and
// PostgreSQL (the operator's login), and the caller is still served, with one record
// and one ticket.
func TestRedisLossKeepsWaitingCaller(t *testing.T) {
	c := startController(t, fastCalls)
	ctx := context.Background()
	login, pw := newOperator(t, c, "ru")
	p := startPhone(t, c, login, pw, phoneOpts{AnswerMS: 100})
	ready(t, c, p)
	if err := c.Presence.Pause(ctx, login, "training"); err != nil {
		t.Fatal(err)
	}
	caller := dial(t, c, callerOpts{Caller: "77019990003", HoldMS: 14000})
	waitFor(t, 15*time.Second, "the caller in line", func() bool {
		n, _ := c.Presence.Waiting(ctx)
		return n == 1
	})
	// The pause reached the state log (written from the live state's changes).
	waitFor(t, 10*time.Second, "the pause in the state log", func() bool {
		last, err := c.DB.Operators().LastStates(ctx)
		return err == nil && last[login].State == operators.Paused
	})
	c.stop()
	deleteKeys(c.cfg.RedisPrefix)
	t.Log("controller stopped, its Redis state deleted")
	c = runController(t, c.Ast, c.cfg)
	waitFor(t, 15*time.Second, "the caller back in line", func() bool {
		n, _ := c.Presence.Waiting(ctx)
		return n == 1
	})
	waitFor(t, 15*time.Second, "the operator back, paused for training", func() bool {
		live, err := c.Presence.Live(ctx, login)
		return err == nil && live.State == operators.Paused && live.Reason == "training"
	})
	if err := c.Presence.Resume(ctx, login); err != nil {
		t.Fatal(err)
	}
	// The softphone's registration comes back from Asterisk and the login from the
	// operator's state log in PostgreSQL: the operator takes the call without doing
	// anything.
	waitFor(t, 15*time.Second, "the operator back, logged in and registered", func() bool {
		live, err := c.Presence.Live(ctx, login)
		return err == nil && live.Registered && live.State != operators.Offline
	})
	caller.wait(t, 60*time.Second)
	call := callOf(t, c, "77019990003")
	if call.Outcome != calls.Answered || call.OperatorLogin != login {
		t.Fatalf("after losing Redis: outcome %s operator %q", call.Outcome, call.OperatorLogin)
	}
	oneRecordAndTicket(t, c, "77019990003")
	t.Logf("call %d waited through the loss of Redis and was answered by %s", call.ID, login)
}

// oneRecordAndTicket checks that a caller's call has one record and one ticket.
func oneRecordAndTicket(t *testing.T, c *controller, caller string) {
	t.Helper()
	ctx := context.Background()
	var n int
	c.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM calls WHERE caller_number = $1`, caller).Scan(&n)
	ts, _ := c.DB.Tickets().CallerTickets(ctx, caller, 10)
	if n != 1 || len(ts) != 1 {
		t.Fatalf("%d call records and %d tickets for %s, want one each", n, len(ts), caller)
	}
}
