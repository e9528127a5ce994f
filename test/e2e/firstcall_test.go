package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/calls"
)

// A citizen dials 109: the controller answers, plays the greeting, keeps the call's
// record and hangs up.
func TestFirstCall(t *testing.T) {
	c := startController(t, nil)
	ctx := context.Background()
	began := time.Now()
	sipp := startSipp(t, c.Ast, "citizen.xml", "-s", "109", "-key", "caller", "77011234567", "-m", "1")
	sipp.wait(t, 60*time.Second)

	var call calls.Call
	waitFor(t, 10*time.Second, "the call record to close", func() bool {
		open, err := c.DB.Calls().Open(ctx, c.Flow.AsteriskIDForTest())
		if err != nil || len(open) != 0 {
			return false
		}
		var id int64
		if err := c.DB.Pool.QueryRow(ctx, `SELECT id FROM calls WHERE caller_number = '77011234567'`).Scan(&id); err != nil {
			return false
		}
		call, err = c.DB.Calls().Get(ctx, id)
		return err == nil
	})

	if call.Line != "109" || call.State != calls.Ended || call.Outcome != calls.Completed {
		t.Errorf("call = line %q state %q outcome %q", call.Line, call.State, call.Outcome)
	}
	if call.AsteriskID == "" || call.ChannelID == "" {
		t.Errorf("Asterisk ids missing: %+v", call)
	}
	if call.HangupCause == nil || *call.HangupCause != 16 {
		t.Errorf("hang-up cause = %v, want 16 (normal clearing)", call.HangupCause)
	}
	if call.AnsweredAt == nil || call.EndedAt == nil || call.ArrivedAt.Before(began.Add(-time.Second)) ||
		call.AnsweredAt.Before(call.ArrivedAt) || call.EndedAt.Before(*call.AnsweredAt) {
		t.Fatalf("times out of order: arrived %v answered %v ended %v", call.ArrivedAt, call.AnsweredAt, call.EndedAt)
	}
	evs, err := c.DB.Calls().Events(ctx, call.ID)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	var greeting calls.Event
	for _, e := range evs {
		types = append(types, e.Type)
		if e.Type == "greeting_played" {
			greeting = e
		}
	}
	if got, want := join(types), "arrived answered greeting_played ended"; got != want {
		t.Fatalf("events %q, want %q", got, want)
	}
	if greeting.Detail["state"] != "done" {
		t.Errorf("greeting did not play to the end: %v", greeting.Detail)
	}
	// The Russian greeting lasts 7.5 s: it was really played, not skipped.
	played := greeting.Detail["seconds"].(float64)
	if played < 7 {
		t.Errorf("greeting played for %.1f s, want the whole 7.5 s prompt", played)
	}
	t.Logf("call %d: answered %.0f ms after arrival, greeting %.2f s, ended %.0f ms after the greeting",
		call.ID, call.AnsweredAt.Sub(call.ArrivedAt).Seconds()*1000, played,
		call.EndedAt.Sub(greeting.At).Seconds()*1000)
}

func join(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out
}
